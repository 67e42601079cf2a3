import { DomainError } from '../server/errors.js';

/**
 * Scaled mode (StarRocks, `HUILIU_OLAP_URL`) is misconfigured: it runs any number of API and
 * `huiliu worker` processes on one OLTP database, which must be MySQL/MariaDB — a SQLite file cannot
 * be shared between processes (ADR 0067). Refused at start, before any store is opened.
 */
export class ScaledModeError extends DomainError {
  constructor(code: 'scaled_mode_needs_mysql') {
    super(code, 500, {});
    this.message = `${code}: scaled mode (HUILIU_OLAP_URL set) needs OLTP on MySQL/MariaDB (HUILIU_OLTP_URL=mysql://…)`;
  }
}
