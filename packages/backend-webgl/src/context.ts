/**
 * The tfjs side of the backend: initialising tfjs-core's engine on tfjs-backend-webgl, checking
 * that it stays the active tfjs backend, and running custom GPGPU programs on it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';

/** What the WebGL device can do, as tfjs detected it. */
export interface WebglDeviceInfo {
  /** `WEBGL_VERSION` (the backend needs 2: its programs use `uint` arithmetic and `floatBitsToUint`). */
  readonly webglVersion: number;
  /** Textures tfjs computes in: 32 when float32 render targets work (`WEBGL_RENDER_FLOAT32_ENABLED`), else 16. */
  readonly floatPrecision: 16 | 32;
  /** `WEBGL_MAX_TEXTURE_SIZE`. */
  readonly maxTextureSize: number;
  /** The unmasked renderer string (e.g. SwiftShader), when the browser reveals it. */
  readonly renderer: string;
}

/** The tfjs backend name this package runs on. */
export const TFJS_BACKEND = 'webgl';

/**
 * Loads tfjs-backend-webgl (which registers the `webgl` backend and its kernels with tfjs-core
 * — done here, at factory time, never at import), applies `flags`, makes `webgl` tfjs's active
 * backend and turns off CPU forwarding, so no tfjs kernel quietly runs on the CPU.
 */
export async function initTfjsWebgl(flags: Readonly<Record<string, boolean | number>>): Promise<WebglDeviceInfo> {
  // Importing tfjs-backend-webgl registers its flags, so they can only be set afterwards.
  await import('@tensorflow/tfjs-backend-webgl');
  for (const [k, v] of Object.entries(flags)) tf.env().set(k, v);
  let ok = false;
  try {
    ok = await tf.setBackend(TFJS_BACKEND);
  } catch (e) {
    throw new Error(`webgl backend: tfjs could not initialise WebGL: ${(e as Error).message}`);
  }
  if (!ok || tf.getBackend() !== TFJS_BACKEND) {
    throw new Error('webgl backend: tfjs could not initialise its webgl backend (is WebGL available in this environment?)');
  }
  // Small tensors would otherwise run on tfjs's CPU kernels ("CPU forwarding").
  tf.env().set('WEBGL_CPU_FORWARD', false);
  const webglVersion = tf.env().getNumber('WEBGL_VERSION');
  if (webglVersion !== 2) {
    throw new Error(`webgl backend: WebGL 2 is required (tfjs found WebGL ${webglVersion}); its programs need GLSL ES 3.0 integer arithmetic`);
  }
  const be = gpu();
  const gl = be.getGPGPUContext().gl;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  return {
    webglVersion,
    floatPrecision: await measurePrecision(),
    maxTextureSize: tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE'),
    renderer,
  };
}

/**
 * The precision textures really hold: `WEBGL_RENDER_FLOAT32_ENABLED` says whether tfjs renders
 * to float32 textures (else float16); a program writing `1 + 2⁻¹²` (representable in float32,
 * not in float16) confirms it on the device. (tfjs's own `floatPrecision()` cannot be used: in
 * 4.22 it answers 16 whenever float32 rendering is enabled.)
 */
async function measurePrecision(): Promise<16 | 32> {
  if (!tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) return 16;
  const probe = tf.tidy(() => runProgram({ variableNames: [], outputShape: [1], userCode: 'void main() { setOutput(1.0 + 1.0 / 4096.0); }' }, [], 'float32'));
  try {
    const v = (await probe.data())[0];
    return v === 1 + 1 / 4096 ? 32 : 16;
  } finally {
    probe.dispose();
  }
}

function isWebglBackend(b: tf.KernelBackend): b is MathBackendWebGL {
  return typeof (b as Partial<MathBackendWebGL>).compileAndRun === 'function';
}

/**
 * tfjs's active backend, which must still be its webgl backend. If the application switched
 * tfjs to another backend this throws rather than letting kernels run elsewhere.
 */
export function gpu(): MathBackendWebGL {
  const name = tf.getBackend();
  const b = tf.backend();
  if (name !== TFJS_BACKEND || !isWebglBackend(b)) {
    throw new Error(
      `webgl backend: tfjs's active backend is '${name}', not '${TFJS_BACKEND}'; call tf.setBackend('webgl') before using skipnet's webgl backend`,
    );
  }
  return b;
}

/**
 * Runs a custom GPGPU program on tfjs's webgl backend and returns its output as a tfjs tensor
 * tracked by the current `tf.tidy` scope. `uniforms` fills the program's `customUniforms`.
 */
export function runProgram(program: GPGPUProgram, inputs: readonly tf.Tensor[], dtype: 'float32' | 'int32', uniforms?: number[][]): tf.Tensor {
  const be = gpu();
  const info = be.compileAndRun(program, [...inputs], dtype, uniforms);
  return tf.engine().makeTensorFromTensorInfo(info, be);
}
