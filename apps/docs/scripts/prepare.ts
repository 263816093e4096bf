/**
 * Build-time generation for the docs site, run before `vitepress build` / `dev`.
 */
console.log('prepare: nothing to generate yet');
