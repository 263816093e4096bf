declare module 'virtual:skipnet-backends' {
  /** Loaders of the backend packages present at build time, keyed by backend name. */
  export const backendLoaders: Record<string, () => Promise<Record<string, unknown>>>;
}
