import { ServiceError } from '../errors.ts';

/**
 * Runs a read-compute-write step again when its conditional write lost to a
 * concurrent one (`conflict`): the next round reads the new state, so the
 * change is applied to it rather than over it.
 */
export async function retryOnConflict<T>(step: () => Promise<T | 'conflict'>): Promise<T> {
  for (let attempt = 0; attempt < 6; attempt++) {
    const result = await step();
    if (result !== 'conflict') return result;
    await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 30 * (attempt + 1)));
  }
  throw new ServiceError('STORE_UNAVAILABLE', { reason: 'scim_contention' });
}
