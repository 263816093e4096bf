import { archLoader } from '../src/arch/loader.js';

export default archLoader('preact_resnet18');
