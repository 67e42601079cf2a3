import { closeSync, mkdirSync, openSync } from 'node:fs';

/**
 * The data directory holds the master key, the databases and result files: directories Huiliu
 * creates there are 0700 and files 0600, so other users of the machine read none of it.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) as 0700; an existing directory keeps the mode its owner chose. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Creates an empty 0600 file unless it exists; returns whether it created it. */
export function createPrivateFile(file: string): boolean {
  try {
    closeSync(openSync(file, 'wx', PRIVATE_FILE_MODE));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
