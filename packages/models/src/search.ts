/**
 * Host-side sequence search over any next-token scorer: greedy search and beam search with
 * length normalisation. They know nothing about models; `seq2seq-model.ts` wraps a
 * {@link Seq2SeqTransformer}'s decoder as the scorer.
 */

/**
 * Next-token log-probabilities of each prefix (each starts with `<bos>`; all prefixes of one
 * call have the same length): one `Float32Array` over the vocabulary per prefix.
 */
export type NextTokenScorer = (prefixes: readonly (readonly number[])[]) => Promise<Float32Array[]>;

/** Options of {@link greedySearch} and {@link beamSearch}. */
export interface SearchOptions {
  /** Id that starts every prefix. */
  bos: number;
  /** Id that ends a sequence. */
  eos: number;
  /** Most tokens to generate, `<eos>` included. */
  maxLength: number;
}

/** Options of {@link beamSearch}. */
export interface BeamSearchOptions extends SearchOptions {
  /** Hypotheses kept per step (default 4); 1 is greedy search. */
  beamWidth?: number;
  /**
   * Length normalisation exponent α: a hypothesis scores `logP / length^α`, `length` counting
   * its tokens with `<eos>` (Hugging Face's `length_penalty`; default 1, the mean log-probability
   * per token; 0 ranks by the raw log-probability, which favours short sequences).
   */
  lengthPenalty?: number;
}

/** A searched sequence. */
export interface Hypothesis {
  /** Generated tokens, without `<bos>` and `<eos>`. */
  tokens: number[];
  /** Sum of the log-probabilities of the generated tokens (`<eos>` included when it ended). */
  logProb: number;
  /** The length-normalised score beam search ranks by (greedy: `logProb / length^1`). */
  score: number;
  /** Whether it ended with `<eos>` (not cut at `maxLength`). */
  finished: boolean;
}

function checkSearch(options: SearchOptions, where: string): void {
  if (!(Number.isInteger(options.maxLength) && options.maxLength >= 1))
    throw new RangeError(`${where}: maxLength must be a positive integer, got ${options.maxLength}`);
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

const normalised = (logProb: number, length: number, alpha: number): number => logProb / Math.max(length, 1) ** alpha;

/** Greedy search: the most probable next token at each step, until `<eos>` or `maxLength`. */
export async function greedySearch(scorer: NextTokenScorer, options: SearchOptions): Promise<Hypothesis> {
  checkSearch(options, 'greedySearch');
  const prefix = [options.bos];
  let logProb = 0;
  for (let step = 0; step < options.maxLength; step++) {
    const [lp] = await scorer([prefix]);
    const id = argmax(lp!);
    logProb += lp![id]!;
    prefix.push(id);
    if (id === options.eos) return { tokens: prefix.slice(1, -1), logProb, score: normalised(logProb, step + 1, 1), finished: true };
  }
  return { tokens: prefix.slice(1), logProb, score: normalised(logProb, options.maxLength, 1), finished: false };
}

/**
 * Beam search (as Hugging Face's `BeamSearchScorer` with `early_stopping`): each step extends
 * every live hypothesis by every token and keeps the `beamWidth` best by log-probability; a
 * candidate ending in `<eos>` that ranks among the first `beamWidth` of its step is set aside
 * as finished, scored `logP / length^α`. The search stops when `beamWidth` hypotheses have
 * finished, none is live, or `maxLength` tokens are out (then live ones compete too, unfinished).
 * Returns the hypotheses best score first. With `beamWidth` 1 it is greedy search exactly.
 */
export async function beamSearch(scorer: NextTokenScorer, options: BeamSearchOptions): Promise<Hypothesis[]> {
  checkSearch(options, 'beamSearch');
  const width = options.beamWidth ?? 4;
  const alpha = options.lengthPenalty ?? 1;
  if (!(Number.isInteger(width) && width >= 1)) throw new RangeError(`beamSearch: beamWidth must be a positive integer, got ${width}`);
  let beams: { prefix: number[]; logProb: number }[] = [{ prefix: [options.bos], logProb: 0 }];
  const finished: Hypothesis[] = [];
  for (let step = 0; step < options.maxLength && beams.length > 0 && finished.length < width; step++) {
    const lps = await scorer(beams.map((b) => b.prefix));
    const candidates: { beam: number; token: number; logProb: number }[] = [];
    // Impossible continuations (probability 0) never fill a beam.
    beams.forEach((b, i) => lps[i]!.forEach((lp, token) => lp > -Infinity && candidates.push({ beam: i, token, logProb: b.logProb + lp })));
    // Stable sort: ties keep beam order, then token order (the arg-max's first index).
    candidates.sort((p, q) => q.logProb - p.logProb);
    const next: typeof beams = [];
    for (let rank = 0; rank < candidates.length && next.length < width; rank++) {
      const c = candidates[rank]!;
      const prefix = beams[c.beam]!.prefix;
      if (c.token === options.eos) {
        if (rank < width) finished.push({ tokens: prefix.slice(1), logProb: c.logProb, score: normalised(c.logProb, step + 1, alpha), finished: true });
        continue;
      }
      next.push({ prefix: [...prefix, c.token], logProb: c.logProb });
    }
    beams = next;
  }
  // Cut at maxLength with fewer than beamWidth finished: the live ones compete as they are.
  const live =
    finished.length < width
      ? beams.map((b) => ({ tokens: b.prefix.slice(1), logProb: b.logProb, score: normalised(b.logProb, b.prefix.length - 1, alpha), finished: false }))
      : [];
  return [...finished, ...live].sort((p, q) => q.score - p.score);
}
