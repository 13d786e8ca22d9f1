import { packageBuild } from '../../build/tsup-package.js';

export default packageBuild(['src/index.ts', 'src/store-thread.ts']);
