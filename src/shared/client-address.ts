/** Who a client is, as every transport carries it (decided by http/remote-address.ts). */
export type Scheme = 'http' | 'https';

export interface ClientAddress {
  /** The client's IP address, IPv4 in dotted form; 'unknown' if the socket is already gone. */
  readonly address: string;
  readonly scheme: Scheme;
}
