/**
 * Why an image the worker runs with power over a cluster is not fit, or undefined: anything a registry serves must be
 * pinned by digest, so a moved tag never changes what runs. `why`: what the image may do, for the message.
 */
export function pinnedImageProblem(image: string, why: string): string | undefined {
  if (/^[^@\s]+@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  return `${image} is not pinned by digest: ${why}, so name it as <name>@sha256:<64 hex digits> (crane digest <name:tag> prints it)`;
}
