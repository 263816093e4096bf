import { textDataset, type TextDatasetOptions } from '../text.js';
import type { DescribedDataset } from '../types.js';
import { DataFileError, readBytes } from './files.js';

/**
 * A character-level language dataset from a UTF-8 text file (a BOM is dropped). The
 * vocabulary is every character of the file; the first 90 % (`trainFraction`) is train,
 * the rest test; windows as in `textDataset`. Errors name the file.
 *
 * @example
 * const train = await loadTextFile('input.txt', { blockSize: 128 }); // tiny-shakespeare style
 */
export async function loadTextFile(file: string, options: TextDatasetOptions): Promise<DescribedDataset> {
  const bytes = await readBytes('text', file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new DataFileError('text', file, 'is not valid UTF-8', { cause: e });
  }
  if (text.length === 0) throw new DataFileError('text', file, 'is empty');
  try {
    return textDataset(text, { name: 'text', ...options });
  } catch (e) {
    throw new DataFileError('text', file, e instanceof Error ? e.message : String(e), { cause: e });
  }
}
