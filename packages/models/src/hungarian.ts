/**
 * The linear assignment problem on the host: the Hungarian method in its shortest-augmenting-path
 * form with dual potentials (Kuhn 1955; Jonker & Volgenant 1987), O(n²·m) for an n × m cost
 * matrix with n ≤ m. DETR's matcher (Carion et al. 2020) calls scipy's `linear_sum_assignment`;
 * {@link linearSumAssignment} returns what that returns: one pair per row of the smaller side,
 * rows ascending, of minimum total cost.
 */

/** An optimal assignment: `rows[i]` is matched to `cols[i]`; `rows` ascending. */
export interface Assignment {
  readonly rows: Int32Array;
  readonly cols: Int32Array;
  /** The sum of the matched costs. */
  readonly cost: number;
}

/**
 * Minimum-cost assignment for a rectangular `rows × cols` cost matrix (row-major `cost`):
 * `min(rows, cols)` pairs, no row or column used twice, of least total cost — scipy's
 * `linear_sum_assignment(cost)`. With more rows than columns (more queries than targets, as
 * in DETR) every column is matched and the spare rows are not. Ties are broken by the
 * algorithm (any optimum may come back). Costs must be finite.
 *
 * @param cost - `[rows·cols]` costs, row-major (a `Float32Array`, `Float64Array` or array).
 */
export function linearSumAssignment(cost: ArrayLike<number>, rows: number, cols: number): Assignment {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows >= 0 && cols >= 0)) {
    throw new Error(`linearSumAssignment: rows and cols must be whole numbers ≥ 0, got ${rows} × ${cols}`);
  }
  if (cost.length !== rows * cols) throw new Error(`linearSumAssignment: ${cost.length} costs for a ${rows} × ${cols} matrix`);
  for (let i = 0; i < cost.length; i++) {
    if (!Number.isFinite(cost[i]!)) throw new Error(`linearSumAssignment: cost ${i} (row ${Math.floor(i / cols)}) is ${cost[i]}; costs must be finite`);
  }
  if (rows === 0 || cols === 0) return { rows: new Int32Array(0), cols: new Int32Array(0), cost: 0 };
  // Solve with the smaller side as the rows: each row then finds a column.
  const transposed = rows > cols;
  const n = transposed ? cols : rows;
  const m = transposed ? rows : cols;
  const at = transposed ? (i: number, j: number) => cost[j * cols + i]! : (i: number, j: number) => cost[i * cols + j]!;
  const rowOfCol = solve(n, m, at);
  const pairs: [number, number][] = [];
  for (let j = 0; j < m; j++) {
    const i = rowOfCol[j]!;
    if (i >= 0) pairs.push(transposed ? [j, i] : [i, j]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  let total = 0;
  for (const [r, c] of pairs) total += cost[r * cols + c]!;
  return { rows: Int32Array.from(pairs, (p) => p[0]), cols: Int32Array.from(pairs, (p) => p[1]), cost: total };
}

/**
 * Shortest augmenting paths with potentials `u` (rows) and `v` (columns), n ≤ m: row by row,
 * a Dijkstra-like search over reduced costs `c(i, j) − u(i) − v(j) ≥ 0` finds the cheapest way
 * to give the new row a column (possibly moving earlier rows), then the path is flipped.
 * Arrays are 1-based with column 0 a virtual start. Returns the row of each column (-1: none).
 */
function solve(n: number, m: number, at: (i: number, j: number) => number): Int32Array {
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const rowOf = new Int32Array(m + 1); // 0: unassigned
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    rowOf[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = rowOf[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const reduced = at(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (reduced < minv[j]!) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[rowOf[j]!] = u[rowOf[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else minv[j] = minv[j]! - delta;
      }
      j0 = j1;
    } while (rowOf[j0] !== 0);
    do {
      const j1 = way[j0]!;
      rowOf[j0] = rowOf[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const out = new Int32Array(m);
  for (let j = 1; j <= m; j++) out[j - 1] = rowOf[j]! - 1;
  return out;
}
