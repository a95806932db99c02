/**
 * Throwaway certificates made at test time with the `openssl` command line: a CA (or an
 * intermediate under it) and leaf certificates for 127.0.0.1 and localhost signed by it, so
 * clients verify the server for real (they are given the CA, never told to skip verification).
 * EC P-256 keys, valid for two days.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  readonly pem: Buffer;
  readonly serialNumber: string;
  readonly fingerprint256: string;
}

const CA_EXTENSIONS = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n';
const LEAF_EXTENSIONS =
  'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' +
  'subjectAltName=IP:127.0.0.1,DNS:localhost\nsubjectKeyIdentifier=hash\n';

let sequence = 0;

/** A fresh directory for one test file's certificates. */
function certificateDirectory(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'switchboard-tls-'));
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args);
}

/**
 * A new key and a certificate for `commonName`: self-signed when `issuer` is undefined, else
 * signed by it. `leaf` says whether it is a server certificate or a CA.
 */
async function issue(dir: string, commonName: string, leaf: boolean, issuer: TestCertificate | undefined): Promise<TestCertificate> {
  sequence += 1;
  const base = join(dir, `${sequence}-${commonName.replace(/[^A-Za-z0-9]/g, '-')}`);
  const [keyPath, csrPath, certPath, extPath] = ['.key', '.csr', '.pem', '.ext'].map((suffix) => base + suffix) as [string, string, string, string];
  await writeFile(extPath, leaf ? LEAF_EXTENSIONS : CA_EXTENSIONS);
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', csrPath, '-subj', `/CN=${commonName}`]);
  const signer = issuer === undefined ? ['-signkey', keyPath] : ['-CA', issuer.certPath, '-CAkey', issuer.keyPath, '-CAcreateserial', '-CAserial', `${base}.srl`];
  await openssl(['x509', '-req', '-in', csrPath, ...signer, '-days', '2', '-extfile', extPath, '-out', certPath]);
  const pem = await readFile(certPath);
  const certificate = new X509Certificate(pem);
  return { certPath, keyPath, pem, serialNumber: certificate.serialNumber, fingerprint256: certificate.fingerprint256 };
}

/** A root CA, or an intermediate CA when `issuer` is given. */
export function createCa(dir: string, commonName: string, issuer?: TestCertificate): Promise<TestCertificate> {
  return issue(dir, commonName, false, issuer);
}

/** A server certificate for 127.0.0.1 and localhost, signed by `issuer`. */
export function createLeaf(dir: string, issuer: TestCertificate, commonName = 'localhost'): Promise<TestCertificate> {
  return issue(dir, commonName, true, issuer);
}

/** What most TLS tests start from: a directory, a root CA, two leaves under it, a file of junk. */
export interface TestPki {
  readonly dir: string;
  readonly root: TestCertificate;
  readonly leaf: TestCertificate;
  /** A second leaf: another certificate, or the key that does not match `leaf`. */
  readonly other: TestCertificate;
  /** A file that holds no PEM at all. */
  readonly junk: string;
}

export async function testPki(): Promise<TestPki> {
  const dir = await certificateDirectory();
  const root = await createCa(dir, 'Switchboard Test Root');
  const [leaf, other] = await Promise.all([createLeaf(dir, root), createLeaf(dir, root)]);
  const junk = join(dir, 'junk.pem');
  await writeFile(junk, 'this is not PEM\n');
  return { dir, root, leaf, other, junk };
}

/** The key of `certificate`, encrypted with `passphrase` (AES-256), in a new file. */
export async function encryptKey(certificate: TestCertificate, passphrase: string): Promise<string> {
  const path = certificate.keyPath.replace(/\.key$/, '.encrypted.key');
  await openssl(['pkey', '-in', certificate.keyPath, '-aes256', '-passout', `pass:${passphrase}`, '-out', path]);
  return path;
}
