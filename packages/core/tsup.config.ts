import { packageBuild } from '../../build/tsup-package.js';

export default packageBuild(['src/index.ts', 'src/testing/index.ts', 'src/http/index.ts', 'src/internal.ts']);
