import type { PluginRoute } from '../../kernel/contributions.js';
import { moduleRoute } from '../../server/route.js';
import { principalOf } from '../../server/principal.js';
import { idParams } from '../../server/schemas.js';
import { attachmentDisposition } from '../../lib/content-disposition.js';
import type { FilesService } from './files.service.js';

export function filesRoutes(files: FilesService): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/files/{fileId}',
      access: { permission: 'authenticated', callers: 'any' },
      options: {
        description: '下载结果文件 / Download a result file (exports are kept 3 days; an expired file answers 410 file_expired)',
        validate: { params: idParams('fileId') },
      },
      handler: async (request, h) => {
        const principal = principalOf(request);
        // A file saved with a permission (an export's: contacts.export) needs it too.
        const { file, path } = await files.open(principal.tenantId, request.params.fileId, principal);
        return h
          .file(path, { confine: files.root })
          .type(file.contentType)
          .header('content-disposition', attachmentDisposition(file.name))
          .header('cache-control', 'private, no-store');
      },
    }),
  ];
}
