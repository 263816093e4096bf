// Why gradients survive a skip: for y = x + F(x) the Jacobian is I + F'(x).
// With F(x) = W·x (a linear layer without bias), dy/dx = I + W; with the skip off it is W.
import { Linear, Skip, grad, mul, randn, registerBackend, setBackend, sum, tensor, tidy } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';

registerBackend('cpu', createCpuBackend);
await setBackend('cpu');

const fc = new Linear(4, 4, { bias: false });
const block = new Skip({ main: fc }); // y = x + W·x
const x = randn([1, 4], { seed: 1 });

/** The 4×4 Jacobian dy/dx, one row at a time: row i is the gradient of y_i with respect to x. */
async function jacobian(): Promise<number[][]> {
  const rows: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const e = tensor(
      Float32Array.from({ length: 4 }, (_, j) => (j === i ? 1 : 0)),
      [1, 4],
    );
    const [g] = tidy(() => grad((v) => sum(mul(block.call(v), e)))(x));
    rows.push(Array.from(await g!.data()));
    g!.dispose();
    e.dispose();
  }
  return rows;
}

const w = Array.from(await fc.weight.data()); // W, row-major [out, in]
const withSkip = await jacobian();
block.skip = false; // the plain twin: y = W·x
const plain = await jacobian();
for (let i = 0; i < 4; i++) {
  console.log(
    withSkip[i]!.map((v, j) => (v - (i === j ? 1 : 0) - w[i * 4 + j]!).toFixed(6)).join(' '), // ≈ 0: J = I + W
    '|',
    plain[i]!.map((v, j) => (v - w[i * 4 + j]!).toFixed(6)).join(' '), //                           ≈ 0: J = W
  );
}
