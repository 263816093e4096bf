import { archLoader } from '../src/arch/loader.js';

export default archLoader('fcos_small');
