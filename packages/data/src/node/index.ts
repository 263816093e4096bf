/**
 * `@skipnet/data/node`: loaders for data files users bring (IDX, CIFAR binaries, image
 * folders, COCO detection files, text). Node-only: they use `node:fs` and `node:zlib`.
 *
 * @packageDocumentation
 */
export { DataFileError, isGzip } from './files.js';
export { loadIdx, parseIdx, readIdx, type IdxArray, type IdxDType, type IdxOptions } from './idx.js';
export { CIFAR10_CLASSES, loadCifar10, loadCifar100, type CifarOptions } from './cifar.js';
export { decodeImage, imageToChw, readImageSync, type ImageConvertOptions, type RgbaImage } from './image.js';
export { listImageFolder, loadImageFolder, type ImageFolderOptions } from './image-folder.js';
export { loadCocoDetection, type CocoDetectionDataset, type CocoDetectionOptions } from './coco.js';
export { loadTextFile } from './text-file.js';
