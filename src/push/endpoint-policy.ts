/**
 * Which push service endpoints a device may register. The device API is public (as Beams' is), so
 * without a rule anyone could make the server POST to any address. By default only https:
 * endpoints are taken; `push.endpointHosts` narrows them to the listed hosts and their subdomains
 * (the browsers' push services), and `push.allowHttpEndpoints` admits http: (tests, a local push
 * service).
 */
export function endpointPolicy(settings: { readonly endpointHosts?: readonly string[] | undefined; readonly allowHttpEndpoints: boolean }): (endpoint: URL) => boolean {
  const hosts = settings.endpointHosts?.map((host) => host.toLowerCase());
  return (endpoint) => {
    if (endpoint.protocol !== 'https:' && !(settings.allowHttpEndpoints && endpoint.protocol === 'http:')) return false;
    if (endpoint.username !== '' || endpoint.password !== '') return false;
    if (hosts === undefined) return true;
    const host = endpoint.hostname.toLowerCase();
    return hosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
  };
}
