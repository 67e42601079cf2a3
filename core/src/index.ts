export { createApp, type HuiliuApp, type CreateAppOptions } from './app.js';
export { loadConfig, ConfigError, type HuiliuConfig } from './config/config.js';
export { SecretBox } from './config/secret-box.js';
export {
  DomainError,
  isDomainError,
  InputError,
  NotFoundError,
  ConflictError,
  ForbiddenError,
  UnauthorizedError,
  UpstreamError,
} from './server/errors.js';
export { coreVersion } from './version.js';
