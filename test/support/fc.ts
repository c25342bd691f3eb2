/**
 * Property tests explore: each run draws a fresh fast-check seed (vitest.config.ts), or takes
 * FC_SEED to replay one; test/support/fc-setup.ts makes it every property's default and prints it
 * when a test fails. Seeds that once found a bug, or whose inputs a test relies on, stay as fixed
 * regression seeds and run after the fresh one.
 */
import fc from "fast-check";

/** The seed of this run (FC_SEED, set by vitest.config.ts when the user did not). */
export function runSeed(): number {
  const seed = Number(process.env.FC_SEED);
  if (!Number.isSafeInteger(seed))
    throw new Error(`FC_SEED: expected an integer, found '${process.env.FC_SEED}'`);
  return seed | 0;
}

/** fc.assert with this run's seed, then with each fixed regression seed. */
export function assertProperty<Ts>(
  property: fc.IProperty<Ts>,
  params: fc.Parameters<Ts> = {},
  regressionSeeds: readonly number[] = [],
): void {
  fc.assert(property, params);
  for (const seed of regressionSeeds) fc.assert(property, { ...params, seed });
}

/** assertProperty for async properties. */
export async function assertAsyncProperty<Ts>(
  property: fc.IAsyncProperty<Ts>,
  params: fc.Parameters<Ts> = {},
  regressionSeeds: readonly number[] = [],
): Promise<void> {
  await fc.assert(property, params);
  for (const seed of regressionSeeds) await fc.assert(property, { ...params, seed });
}
