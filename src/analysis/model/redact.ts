import type { Finding } from './runData';

// kube-hunter's evidence can be the secret itself (a service account token it could read): the report keeps the
// finding and drops the value. JWTs, bearer/token assignments and long base64 runs are replaced.
const SECRET_PATTERNS: RegExp[] = [
  /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  /\b(bearer|token|password|secret)(\s*[:=]\s*|\s+)("?)[^\s",;]{8,}\3/gi,
  /[A-Za-z0-9+/]{64,}={0,2}/g,
];
const MAX_EVIDENCE = 400;

export function redactSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS)
    out = out.replace(pattern, (match, key?: string) =>
      typeof key === 'string' && /^[a-z]+$/i.test(key) ? `${key}=[redacted]` : '[redacted]',
    );
  return out.length > MAX_EVIDENCE ? `${out.slice(0, MAX_EVIDENCE - 1)}…` : out;
}

/** A finding as the report shows it: evidence without secret values, cut to a readable length. */
export function reportFinding(f: Finding): Finding {
  return { ...f, ...(f.evidence !== undefined ? { evidence: redactSecrets(f.evidence) } : {}) };
}
