import { archLoader } from '../src/arch/loader.js';

export default archLoader('fpn_resnet18');
