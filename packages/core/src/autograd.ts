/**
 * Reverse-mode differentiation over the recorded graph (define-by-run).
 */
import { keep, noGrad, tidy, trackTensor, untrackTensor } from './engine.js';
import type { Tensor } from './tensor.js';
import * as ops from './ops/index.js';
import { fmt, sameShape } from './shape.js';

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<number>();
  // Iterative DFS: deep networks (hundreds of layers) would overflow a recursive one.
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    stack.push([t, true]);
    for (const input of t.gradNode?.inputs ?? []) {
      if (input.requiresGrad && !seen.has(input.id)) stack.push([input, false]);
    }
  }
  return order.reverse();
}

/**
 * Backpropagates from `root`, accumulating into `.grad` of every leaf that requires
 * gradients. The graph is released afterwards (like PyTorch without `retain_graph`).
 */
export function backward(root: Tensor, gradient?: Tensor): void {
  root.assertAlive('backward');
  if (!root.requiresGrad) {
    throw new Error('backward: the tensor does not require grad (no input had requiresGrad set, or it was computed under noGrad)');
  }
  if (!gradient && root.size !== 1) {
    throw new Error(`backward: gradient can be implied only for one-element outputs, got ${fmt(root.shape)}; pass the output gradient`);
  }
  if (gradient && !sameShape(gradient.shape, root.shape)) {
    throw new Error(`backward: gradient ${fmt(gradient.shape)} does not match the output ${fmt(root.shape)}`);
  }
  const order = topoOrder(root);
  tidy(() =>
    noGrad(() => {
      const grads = new Map<number, Tensor>();
      grads.set(root.id, gradient ?? ops.onesLike(root));
      for (const t of order) {
        const g = grads.get(t.id);
        if (!g) continue;
        grads.delete(t.id);
        const node = t.gradNode;
        if (!node) {
          // A leaf: accumulate into .grad, which outlives this tidy.
          const acc = t.grad ? ops.add(t.grad, g) : ops.clone(g);
          t.grad?.dispose();
          t.grad = keep(acc);
          continue;
        }
        const inputGrads = node.backward(g);
        node.inputs.forEach((input, i) => {
          const ig = inputGrads[i];
          if (!ig || !input.requiresGrad) return;
          if (!sameShape(ig.shape, input.shape)) {
            throw new Error(`backward: internal error in the gradient of ${node.op}: got ${fmt(ig.shape)} for input ${fmt(input.shape)}`);
          }
          const prev = grads.get(input.id);
          grads.set(input.id, prev ? ops.add(prev, ig) : ig);
        });
        // Free the output gradient early unless it is the caller's or still pending for
        // another input (rules like add's pass the same tensor to several inputs).
        if (g !== gradient && !inputGrads.includes(g) && !isPending(grads, g)) g.dispose();
      }
      for (const t of order) {
        if (!t.gradNode) continue;
        t.gradNode = null;
        t.releaseOwned();
      }
    }),
  );
}

function isPending(grads: Map<number, Tensor>, t: Tensor): boolean {
  for (const v of grads.values()) if (v === t || v.storage === t.storage) return true;
  return false;
}

/**
 * Functional gradient: `grad(f)(...xs)` returns df/dx for every argument of a scalar `f`.
 * The arguments are not modified.
 */
export function grad(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => Tensor[] {
  return (...xs: Tensor[]) => {
    const leaves = xs.map((x) => {
      const d = x.detach();
      d.requiresGrad = true;
      return d;
    });
    const result = tidy(() => {
      const y = f(...leaves);
      y.backward();
      return leaves.map((l) => {
        const g = l.grad ?? ops.zerosLike(l);
        l.grad = null;
        untrackTensor(g);
        return g;
      });
    });
    for (const l of leaves) l.dispose();
    for (const g of result) trackTensor(g);
    return result;
  };
}
