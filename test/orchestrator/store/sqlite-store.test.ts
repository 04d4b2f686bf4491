import { openStore } from '../../helpers.ts';
import { describeStore } from './store-contract.ts';

describeStore('SQLite', () => openStore());
