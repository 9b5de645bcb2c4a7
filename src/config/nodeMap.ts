import { z } from 'zod';

/**
 * How to reach each Kubernetes node over SSH. Users write this file for real clusters; the test bed
 * (`hardenlab testbed up`) writes one for its simulated nodes. Only paths to secrets, never the secrets.
 */
export const nodeEntrySchema = z
  .object({
    /** The Kubernetes node name (`kubectl get nodes`). */
    name: z.string().min(1),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().min(1).default('root'),
    /** Path to a private key file; or use an agent. */
    privateKeyPath: z.string().min(1).optional(),
    /** Path to an SSH agent socket (instead of a key file). */
    agentSocket: z.string().min(1).optional(),
    /** known_hosts file used to verify the host key. */
    knownHostsPath: z.string().min(1).optional(),
    /** Pinned host key, as OpenSSH prints it: `SHA256:<base64>`. */
    hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]+=*$/).optional(),
    /**
     * The host is a loopback forward into one of the real-node test bed's system containers (written by
     * `testbed up --nodes real`): a reboot restarts that container, never the worker's machine.
     */
    systemContainer: z.boolean().optional(),
    /** Accept and record an unknown host key on first use. Off unless explicitly enabled. */
    trustOnFirstUse: z.boolean().default(false),
    /** Optional bastion, same shape minus nesting. */
    jumpHost: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(22),
        user: z.string().min(1).default('root'),
        privateKeyPath: z.string().min(1).optional(),
        knownHostsPath: z.string().min(1).optional(),
        hostKeyFingerprint: z.string().optional(),
      })
      .optional(),
  })
  .strict();

export const nodeMapSchema = z.object({ nodes: z.array(nodeEntrySchema).min(1) }).strict();

/**
 * How to reach the nodes a provider creates (LKE), the same for every node: each run's node map is
 * derived from this and the node addresses the provider's API reports. Host keys of new machines are not
 * known in advance: list them in `knownHostsPath` or accept them on first use.
 */
export const nodeAccessSchema = nodeEntrySchema
  .omit({ name: true, host: true, hostKeyFingerprint: true, systemContainer: true })
  .extend({
    /**
     * Which of the node's IPv4 addresses to use: its public one, or its private one (192.168.128.0/17) when the worker is in the same
     * region.
     */
    address: z.enum(['public', 'private']).default('public'),
  })
  .strict();

export type NodeEntry = z.infer<typeof nodeEntrySchema>;
export type NodeMap = z.infer<typeof nodeMapSchema>;
export type NodeAccess = z.infer<typeof nodeAccessSchema>;
