import { archLoader } from '../src/arch/loader.js';

export default archLoader('resnext50_32x4d');
