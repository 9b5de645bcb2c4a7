/**
 * Reads workflow histories as the Temporal CLI prints them and searches them for secrets. Payloads are
 * base64 in that JSON, so every base64-looking string is decoded and searched too.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface Secret {
  /** What it is (printed on a find; never the value). */
  label: string;
  value: string;
}

export interface ScanFinding {
  workflowId: string;
  label: string;
  /** Whether it was in the JSON text itself or in a base64-decoded payload. */
  where: 'text' | 'decoded payload';
}

export interface ScanResult {
  histories: number;
  bytes: number;
  decodedBytes: number;
  findings: ScanFinding[];
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Every base64-looking string value in a JSON document, decoded (as latin1, so bytes stay searchable). */
export function decodedStrings(json: unknown): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.length >= 8 && value.length % 4 === 0 && BASE64.test(value)) out.push(Buffer.from(value, 'base64').toString('latin1'));
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(json);
  return out;
}

/** JSON paths (a.b.0.c) of the string values that contain `word`, as text or base64-decoded: says where a leak is. */
export function pathsContaining(json: unknown, word: string, at = ''): string[] {
  if (typeof json === 'string') {
    const decoded = json.length >= 8 && json.length % 4 === 0 && BASE64.test(json) ? Buffer.from(json, 'base64').toString('latin1') : '';
    return json.includes(word) || decoded.includes(word) ? [at] : [];
  }
  if (json && typeof json === 'object') return Object.entries(json).flatMap(([k, v]) => pathsContaining(v, word, at ? `${at}.${k}` : k));
  return [];
}

/** The forms a secret may take in a history: itself, base64 of it, and its base64 decoded when it is base64. */
export function secretForms(secret: Secret): Secret[] {
  const forms: Secret[] = [secret, { label: `${secret.label} (base64)`, value: Buffer.from(secret.value).toString('base64') }];
  const compact = secret.value.replace(/\s+/g, '');
  if (compact.length >= 16 && BASE64.test(compact)) {
    const decoded = Buffer.from(compact, 'base64').toString('latin1');
    if (decoded.length >= 12) forms.push({ label: `${secret.label} (decoded)`, value: decoded });
  }
  return forms.filter((f) => f.value.length >= 8);
}

export function scanText(workflowId: string, text: string, secrets: Secret[]): { findings: ScanFinding[]; decodedBytes: number } {
  const decoded = decodedStrings(JSON.parse(text)).join('\n');
  const findings: ScanFinding[] = [];
  for (const form of secrets.flatMap(secretForms)) {
    if (text.includes(form.value)) findings.push({ workflowId, label: form.label, where: 'text' });
    else if (decoded.includes(form.value)) findings.push({ workflowId, label: form.label, where: 'decoded payload' });
  }
  return { findings, decodedBytes: Buffer.byteLength(decoded, 'latin1') };
}

/** Searches histories as `temporal workflow show --output json` printed them (see showHistory). */
export function scanHistories(histories: { workflowId: string; text: string }[], secrets: Secret[]): ScanResult {
  const result: ScanResult = { histories: 0, bytes: 0, decodedBytes: 0, findings: [] };
  for (const { workflowId, text } of histories) {
    const scanned = scanText(workflowId, text, secrets);
    result.histories++;
    result.bytes += Buffer.byteLength(text);
    result.decodedBytes += scanned.decodedBytes;
    result.findings.push(...scanned.findings);
  }
  return result;
}

/** The body of a PEM block (base64 lines only): the part a leak would show. */
export function pemBodies(pem: string): string[] {
  const bodies: string[] = [];
  for (const match of pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
    const lines = match[2]!.split('\n').map((l) => l.trim()).filter((l) => l && !l.includes(':'));
    bodies.push(lines.join(''), ...lines.filter((l) => l.length >= 40));
  }
  return bodies;
}

interface KubeconfigUser {
  name: string;
  user: Record<string, unknown>;
}

/** Credentials of a kubeconfig: inline data and token values, and the contents of the files it references. */
export async function kubeconfigSecrets(kubeconfigPath: string): Promise<Secret[]> {
  const doc = parseYaml(await fs.readFile(kubeconfigPath, 'utf8')) as { users?: KubeconfigUser[] };
  const base = path.dirname(kubeconfigPath);
  const secrets: Secret[] = [];
  for (const { name, user } of doc.users ?? []) {
    for (const field of ['client-key-data', 'client-certificate-data', 'token', 'password']) {
      const value = user[field];
      if (typeof value !== 'string') continue;
      secrets.push({ label: `kubeconfig user ${name} ${field}`, value });
      if (field.endsWith('-data')) {
        for (const body of pemBodies(Buffer.from(value, 'base64').toString('utf8'))) secrets.push({ label: `kubeconfig user ${name} ${field} PEM body`, value: body });
      }
    }
    for (const field of ['client-key', 'client-certificate', 'tokenFile']) {
      const ref = user[field];
      if (typeof ref !== 'string') continue;
      const content = await fs.readFile(path.resolve(base, ref), 'utf8');
      const bodies = pemBodies(content);
      if (bodies.length === 0) secrets.push({ label: `kubeconfig user ${name} ${field} file content`, value: content.trim() });
      for (const body of bodies) secrets.push({ label: `kubeconfig user ${name} ${field} file PEM body`, value: body });
    }
  }
  return secrets;
}

/** An OpenSSH private key file's body lines and whole body. */
export async function sshKeySecrets(privateKeyPath: string): Promise<Secret[]> {
  return pemBodies(await fs.readFile(privateKeyPath, 'utf8')).map((value) => ({ label: `SSH private key ${privateKeyPath} body`, value }));
}

/** Key material markers that must never be in a history, whatever key it is. */
export const PRIVATE_KEY_MARKERS: Secret[] = [
  { label: 'PRIVATE KEY marker', value: 'PRIVATE KEY-----' },
  { label: 'OpenSSH key magic', value: 'openssh-key-v1' },
];
