/**
 * The detector bundled with the site (data/fcos-small.*, written by
 * scripts/export-detector.ts from a CLI run): its description, imported with the page, and
 * its float16 weights, fetched once per page when the demo mounts.
 */
import asset from '../../data/fcos-small.json';
import weightsUrl from '../../data/fcos-small.safetensors?url';
import type { DetectorAsset } from './detector.js';

/** The bundled detector's description (model, options, training, measured AP); JSON types tuples as arrays. */
export const bundledAsset = asset as unknown as DetectorAsset;

let weights: Promise<Uint8Array> | undefined;

/** The bundled weights (one request per page; a failed request is retried on the next call). */
export function bundledWeights(): Promise<Uint8Array> {
  weights ??= (async () => {
    const res = await fetch(weightsUrl);
    if (!res.ok) throw new Error(`detector weights (${bundledAsset.weights.file}): HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  })();
  weights.catch(() => (weights = undefined));
  return weights;
}
