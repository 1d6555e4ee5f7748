/**
 * The contract suites: what every backend on every platform must do
 * identically, written once. Node runs them under mocha for the native and
 * wasm backends (test/12-contract.test.ts); Chromium runs them in a dedicated
 * worker on the wasm backend over OPFS (test/browser/).
 */
import { accessorSuite } from './accessors.js';
import { adviceSuite } from './advice.js';
import { badInputSuite } from './bad-input.js';
import { coordinationSuite } from './coordination.js';
import { coordinationBadInputSuite } from './coordination-bad-input.js';
import type { ContractEnv, TestApi } from './env.js';
import { liveMapSuite } from './live-maps.js';
import { mapSuite } from './maps.js';
import { namedFileSuite } from './named-files.js';
import { propertyRuns, propertySuite } from './properties.js';
import { safetySuite } from './safety.js';
import { sharedMapSuite } from './shared-maps.js';
import { streamSuite } from './streams.js';
import { typedBadInputSuite } from './typed-bad-input.js';
import { typedViewSuite } from './typed-views.js';
import { waitSuite } from './waits.js';

export function contractSuites(t: TestApi, env: () => ContractEnv): void {
  mapSuite(t, env);
  accessorSuite(t, env);
  streamSuite(t, env);
  badInputSuite(t, env);
  adviceSuite(t, env);
  sharedMapSuite(t, env);
  waitSuite(t, env);
  coordinationSuite(t, env);
  coordinationBadInputSuite(t, env);
  safetySuite(t, env);
  namedFileSuite(t, env);
  liveMapSuite(t, env);
  typedViewSuite(t, env);
  typedBadInputSuite(t, env);
  propertySuite(t, env, propertyRuns(60));
}

export type { ContractEnv, FileEnv, TestApi } from './env.js';
