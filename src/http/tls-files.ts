/**
 * The TLS files of the main listener (`tls.cert`, `tls.key`, `tls.ca`, `tls.passphrase`): read
 * and checked piece by piece, so a failure names the key at fault, then built into a secure
 * context exactly as the server will build it, so what passes here is what gets served.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Config } from '../config/schema.js';

/** The TLS settings when TLS is on: both files set. */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string | undefined;
  readonly passphrase: string | undefined;
}

export type TlsKey = 'tls.cert' | 'tls.key' | 'tls.ca' | 'tls.passphrase';

/** A TLS file is missing, unreadable or invalid; the message starts with the key at fault. */
export class TlsFileError extends Error {
  override readonly name = 'TlsFileError';
  readonly key: TlsKey;

  constructor(key: TlsKey, message: string) {
    super(`${key}: ${message}`);
    this.key = key;
  }
}

/** What an operator needs to tell one certificate from another (logged at start and reload). */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly fingerprint256: string;
  readonly validFrom: string;
  readonly validTo: string;
}

export interface LoadedTls {
  /** Options for `https.createServer` and `server.setSecureContext`. */
  readonly options: SecureContextOptions;
  readonly certificate: CertificateSummary;
  /** Set when the certificate is expired or not yet valid (served anyway; logged as a warning). */
  readonly validityProblem: string | undefined;
}

/** The TLS files of a config, or undefined when TLS is off (the schema sets both or neither). */
export function tlsFilesOf(config: Config): TlsFiles | undefined {
  const { cert, key, ca, passphrase } = config.tls;
  if (cert === undefined || key === undefined) return undefined;
  return { cert, key, ca, passphrase };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

async function readPem(key: TlsKey, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new TlsFileError(key, `cannot read ${path}: ${reason(error)}`);
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function certificateOf(pem: Buffer, path: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new TlsFileError('tls.cert', `${path} holds no valid PEM certificate (${reason(error)})`);
  }
}

function privateKeyOf(pem: Buffer, files: TlsFiles): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem', ...(files.passphrase === undefined ? {} : { passphrase: files.passphrase }) });
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    if (files.passphrase === undefined && (code === 'ERR_MISSING_PASSPHRASE' || code === 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED')) {
      throw new TlsFileError('tls.passphrase', `${files.key} is encrypted: set tls.passphrase (SWITCHBOARD_TLS_PASSPHRASE)`);
    }
    if (files.passphrase !== undefined && code === 'ERR_OSSL_BAD_DECRYPT') {
      throw new TlsFileError('tls.passphrase', `does not decrypt ${files.key}`);
    }
    throw new TlsFileError('tls.key', `${files.key} holds no valid PEM private key (${reason(error)})`);
  }
}

/** Every certificate of the tls.ca file must parse: createSecureContext skips what it cannot read. */
function checkCaFile(pem: Buffer, path: string): void {
  const blocks = pem.toString('latin1').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new TlsFileError('tls.ca', `${path} holds no PEM certificate`);
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new TlsFileError('tls.ca', `certificate ${index + 1} in ${path} is invalid (${reason(error)})`);
    }
  });
}

function summarize(certificate: X509Certificate): CertificateSummary {
  const { subject, issuer, serialNumber, fingerprint256, validFrom, validTo } = certificate;
  return { subject, issuer, serialNumber, fingerprint256, validFrom, validTo };
}

function validityProblemOf(certificate: X509Certificate, now: number): string | undefined {
  if (Date.parse(certificate.validTo) < now) return `the certificate in tls.cert expired on ${certificate.validTo}`;
  if (Date.parse(certificate.validFrom) > now) return `the certificate in tls.cert is not valid before ${certificate.validFrom}`;
  return undefined;
}

/**
 * Reads the files and checks them as the server will use them; rejects with a TlsFileError
 * naming the key at fault (unreadable file, not PEM, wrong or missing passphrase, a key that is
 * not the certificate's, an unreadable tls.ca).
 */
export async function loadTls(files: TlsFiles, now: number = Date.now()): Promise<LoadedTls> {
  const [certPem, keyPem, caPem] = await Promise.all([
    readPem('tls.cert', files.cert),
    readPem('tls.key', files.key),
    files.ca === undefined ? undefined : readPem('tls.ca', files.ca),
  ]);
  const certificate = certificateOf(certPem, files.cert);
  const privateKey = privateKeyOf(keyPem, files);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new TlsFileError('tls.key', `${files.key} is not the private key of the certificate in tls.cert (${files.cert})`);
  }
  if (caPem !== undefined && files.ca !== undefined) checkCaFile(caPem, files.ca);
  const options: SecureContextOptions = {
    cert: certPem,
    key: keyPem,
    ...(files.passphrase === undefined ? {} : { passphrase: files.passphrase }),
    ...(caPem === undefined ? {} : { ca: caPem }),
  };
  try {
    createSecureContext(options);
  } catch (error) {
    // The checks above cover what OpenSSL refuses in practice; this names both files otherwise.
    throw new TlsFileError('tls.cert', `${files.cert} with tls.key ${files.key} cannot be served (${reason(error)})`);
  }
  return { options, certificate: summarize(certificate), validityProblem: validityProblemOf(certificate, now) };
}
