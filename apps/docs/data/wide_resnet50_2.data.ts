import { archLoader } from '../src/arch/loader.js';

export default archLoader('wide_resnet50_2');
