import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Absolute path of a file in this repository. */
export function repositoryPath(relative: string): string {
  return join(root, relative);
}
