import { builder } from './builder.ts';

/** What a delete mutation returns: the row is gone, so only who it was. */
export const RemovedRef = builder.objectRef<{ id: string; name: string }>('Removed').implement({
  description: 'Something that was deleted.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Its former id.' }),
    name: t.exposeString('name', { description: 'Its former name.' }),
  }),
});
