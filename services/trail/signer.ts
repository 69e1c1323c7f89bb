// The key that signs trail checkpoints (Ed25519, node:crypto). It lives outside the database — in
// TRAIL_KEY (PEM) or a file — so whoever can write the database cannot re-sign a rewritten trail.
// Verifying needs only the public key, which the bulletin prints by its id.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface TrailSigner {
  /** SHA-256 of the public key (DER), first 16 hex digits: printed with every checkpoint. */
  keyId: string;
  publicKeyPem: string;
  sign(body: string): string;
  verify(body: string, signature: string): boolean;
}

export function signerFromPem(pem: string): TrailSigner {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the trail key must be an Ed25519 private key (PEM)');
  const publicKey = createPublicKey(privateKey);
  return fromKeys(privateKey, publicKey);
}

function fromKeys(privateKey: KeyObject, publicKey: KeyObject): TrailSigner {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    keyId: createHash('sha256').update(der).digest('hex').slice(0, 16),
    publicKeyPem: String(publicKey.export({ type: 'spki', format: 'pem' })),
    sign: (body) => sign(null, Buffer.from(body), privateKey).toString('base64'),
    verify: (body, signature) => {
      try {
        return verify(null, Buffer.from(body), publicKey, Buffer.from(signature, 'base64'));
      } catch {
        return false;
      }
    },
  };
}

export function newTrailKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return String(privateKey.export({ type: 'pkcs8', format: 'pem' }));
}

/**
 * TRAIL_KEY (PEM) wins; else the file, created (mode 0600) when missing and `create` is allowed —
 * the embedded default, where DATA_DIR is this machine's own disk. Production mounts the file as a secret.
 */
export async function loadTrailSigner(opts: {
  pem?: string;
  file: string;
  create: boolean;
  log?: (msg: string) => void;
}): Promise<TrailSigner> {
  if (opts.pem) return signerFromPem(opts.pem.replace(/\\n/g, '\n'));
  try {
    return signerFromPem(await readFile(opts.file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !opts.create) {
      throw new Error(`trail key ${opts.file}: ${(err as Error).message}`);
    }
  }
  const pem = newTrailKeyPem();
  await mkdir(dirname(opts.file), { recursive: true });
  await writeFile(opts.file, pem, { mode: 0o600, flag: 'wx' });
  await chmod(opts.file, 0o600);
  const signer = signerFromPem(pem);
  opts.log?.(`created the trail signing key ${opts.file} (key id ${signer.keyId}); back it up apart from the database`);
  return signer;
}
