/**
 * Set up for every test file (jest.config.js, setupFilesAfterEnv): the temp directories it made
 * through temp-tree.ts are deleted after its last test, whether or not it asks.
 */
import { afterAll } from '@jest/globals';
import { removeTempTrees } from './temp-tree.js';

afterAll(removeTempTrees);
