import './setup.js';
import { LayerNorm, Linear, GELU, Sequential, residual, randint, tidy } from '@skipnet/core';
import { createModel } from '@skipnet/models';

// A character GPT the size of the names demo: 28 tokens, context 16, 4 blocks of width 64.
const gpt = createModel('gpt', { vocabSize: 28, blockSize: 16, nLayer: 4, nHead: 4, nEmbd: 64 });
const logits = tidy(() => gpt.call(randint(0, 28, [2, 16], { seed: 0 })));
console.log(logits.shape); // [2, 16, 28]: next-token scores at every position
logits.dispose();

// ViT: 8×8 patches of a 32×32 image, 4 encoder blocks.
const vit = createModel('vit', { imageSize: 32, patchSize: 8, numLayers: 4, numHeads: 4, hiddenDim: 64, mlpDim: 128, numClasses: 10 });

// A pre-LN block is two residual skips, x + attn(LN(x)) then x + MLP(LN(x)). The MLP half:
const d = 64;
const mlpHalf = residual({ ln_2: new LayerNorm(d), mlp: new Sequential({ c_fc: new Linear(d, 4 * d), gelu: new GELU(), c_proj: new Linear(4 * d, d) }) });
console.log(mlpHalf.namedParameters().map(([n]) => n)); // ln_2.weight, …, mlp.c_fc.weight, …
for (const m of [gpt, vit, mlpHalf]) m.dispose();
