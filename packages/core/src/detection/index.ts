/** Host-side detection helpers: anchors and non-maximum suppression (plain arrays, no gradient). */
export { cellAnchors, generateAnchors, type Size2d } from './anchors.js';
export { batchedNms, nms } from './nms.js';
