import Joi from 'joi';
import { epochMs, id } from '../../server/schemas.js';

/** A stored file as the API shows it (downloads, notifications' attachments). */
export const fileSchema = Joi.object({
  id: id().required(),
  name: Joi.string().required(),
  contentType: Joi.string().required(),
  size: Joi.number().integer().required(),
  taskId: id().allow(null).required(),
  expiresAt: epochMs().allow(null).required(),
  createdAt: epochMs().required(),
  expired: Joi.boolean(),
}).label('StoredFile');
