/** Vite's `import.meta.env` (only `VITE_`-prefixed variables reach the browser). */
interface ImportMeta {
  readonly env?: Readonly<Record<string, string | undefined>>;
}
