/** The engine's UserEvent factory, for tests: every optional field not given is null. */
export { userEvent } from '../../src/serde/records.js';
