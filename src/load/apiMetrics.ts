/**
 * The API server's own admission figures for the load window (issue 27): /metrics read through the run's kube
 * client (a raw GET, the same credentials and TLS), at the window's start and end. Only the histogram families the
 * analysis reads are kept (the whole text is near 2 MB), and the histogram-diff core turns two scrapes into costs.
 */
import {
  ADMISSION_CONTROLLER_FAMILY,
  ADMISSION_WEBHOOK_FAMILY,
  admissionCost,
  parsePromText,
  REQUEST_DURATION_FAMILY,
  type AdmissionCost,
} from '../analysis/load';
import type { KubeClient } from '../kube/kubeObjects';

export const METRICS_PATH = '/metrics';
const FAMILIES = [ADMISSION_CONTROLLER_FAMILY, ADMISSION_WEBHOOK_FAMILY, REQUEST_DURATION_FAMILY];

/** Is this line (sample or HELP/TYPE comment) part of one of the kept families? */
function kept(line: string): boolean {
  const name = line.startsWith('# HELP ') || line.startsWith('# TYPE ') ? line.slice(7) : line;
  return FAMILIES.some((family) => {
    if (!name.startsWith(family)) return false;
    const rest = name.slice(family.length).replace(/^_(bucket|sum|count)/, '');
    return rest.startsWith('{') || rest.startsWith(' ');
  });
}

/** The admission families of a /metrics text, as text (what is stored beside the run). */
export function admissionFamilies(text: string): string {
  return text
    .split('\n')
    .filter((line) => line !== '' && kept(line))
    .map((line) => `${line}\n`)
    .join('');
}

/** One scrape: the kept text, ready to store, and when it was read. */
export async function scrapeAdmissionMetrics(client: KubeClient, now: () => number = Date.now): Promise<{ at: number; text: string }> {
  const text = await client.getText(METRICS_PATH);
  return { at: now(), text: admissionFamilies(text) };
}

/** What the window cost in admission, from two stored scrapes; `sources` name them in a parse error. */
export function admissionWindowCost(before: string, after: string, sources = { before: 'before', after: 'after' }): AdmissionCost {
  return admissionCost(parsePromText(before, sources.before), parsePromText(after, sources.after));
}
