/** The thesis's three scenarios, in its order. Plain data so workflow code may import it. */
export const SCENARIOS = ['baseline', 'best-practices', 'security-tools'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
