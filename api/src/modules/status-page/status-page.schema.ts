import { builder } from '../../graphql/builder.ts';
import type { Context } from '../../graphql/context.ts';
import { mutation } from '../../graphql/mutation.ts';
import { RemovedRef } from '../../graphql/removed.ts';
import { TargetInput } from '../targets/targets.schema.ts';
import type { TargetInput as TargetInputShape } from '../targets/targets.types.ts';
import type { ComponentCondition, ComponentState } from './status-page.rules.ts';
import type { IncidentWithUpdates, StatusPageSettings } from './status-page.service.ts';
import type { StatusComponentRow, StatusIncidentUpdateRow, statusIncidentState } from './status-page.table.ts';

const ComponentStateEnum = builder.enumType('StatusComponentState', {
  description: 'A status page component’s state, as the public page shows it.',
  values: {
    OPERATIONAL: { description: 'Every node is up, or in planned maintenance.' },
    DEGRADED: { description: 'Some node is SUSPECT, or out of reach (its manager is unreachable).' },
    PARTIAL_OUTAGE: { description: 'Some node is DOWN, fewer than half of those known.' },
    MAJOR_OUTAGE: { description: 'At least half of the nodes known are DOWN.' },
    UNKNOWN: { description: 'Nothing is known: no nodes, or none reachable.' },
  } satisfies Record<ComponentState, unknown>,
});

const IncidentStateEnum = builder.enumType('StatusIncidentState', {
  description: 'Where an incident stands.',
  values: {
    INVESTIGATING: { description: 'The problem is being looked into.' },
    IDENTIFIED: { description: 'The cause is known; a fix is under way.' },
    MONITORING: { description: 'A fix is in place and being watched.' },
    RESOLVED: { description: 'Over; the incident is closed.' },
  } satisfies Record<(typeof statusIncidentState.enumValues)[number], unknown>,
});

/** A component's condition, read once per row for its two fields (each request reads rows afresh). */
const conditions = new WeakMap<StatusComponentRow, Promise<ComponentCondition>>();
function conditionOf(component: StatusComponentRow, context: Context): Promise<ComponentCondition> {
  let condition = conditions.get(component);
  if (!condition) {
    condition = context.services.statusPage.condition(component);
    conditions.set(component, condition);
  }
  return condition;
}

const StatusComponentRef = builder.objectRef<StatusComponentRow>('StatusComponent').implement({
  description: 'One service on the public status page: a public name over clusters or tags, which the page never names.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    name: t.exposeString('name', { description: 'The public name.' }),
    position: t.exposeInt('position', { description: 'Its place on the page, from 1.' }),
    target: t.field({ type: 'JSONObject', description: 'The clusters (ids) or tags it covers.', resolve: (component) => ({ ...component.target }) }),
    state: t.field({
      type: ComponentStateEnum,
      description: 'Its state now, from its nodes’ statuses.',
      resolve: async (component, _args, context) => (await conditionOf(component, context)).state,
    }),
    underMaintenance: t.boolean({
      description: 'Operational, with some of its nodes in planned maintenance.',
      resolve: async (component, _args, context) => (await conditionOf(component, context)).underMaintenance,
    }),
  }),
});

const StatusIncidentUpdateRef = builder.objectRef<StatusIncidentUpdateRow>('StatusIncidentUpdate').implement({
  description: 'What operators told the public about an incident, and the state it moved to.',
  fields: (t) => ({
    at: t.field({ type: 'DateTime', description: 'When it was posted.', resolve: (update) => update.at }),
    state: t.field({ type: IncidentStateEnum, description: 'The incident’s state from then on.', resolve: (update) => update.state }),
    message: t.exposeString('message', { description: 'The text shown on the page.' }),
    author: t.exposeString('author', { description: 'Who posted it (not shown on the public page).' }),
  }),
});

const StatusIncidentRef = builder.objectRef<IncidentWithUpdates>('StatusIncident').implement({
  description: 'An incident published on the status page.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    title: t.exposeString('title', { description: 'The public title.' }),
    state: t.field({ type: IncidentStateEnum, description: 'Where it stands.', resolve: (incident) => incident.state }),
    componentIds: t.exposeIDList('componentIds', { description: 'The components it affects.' }),
    alertId: t.exposeID('alertId', { nullable: true, description: 'The alert it was opened for, if any.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was published.', resolve: (incident) => incident.createdAt }),
    resolvedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was resolved.', resolve: (incident) => incident.resolvedAt }),
    updates: t.field({ type: [StatusIncidentUpdateRef], description: 'Its updates, newest first.', resolve: (incident) => incident.updates }),
  }),
});

const StatusPageRef = builder.objectRef<StatusPageSettings>('StatusPage').implement({
  description: 'The public status page served at /status without a login, as admins set it up.',
  fields: (t) => ({
    title: t.exposeString('title', { description: 'The page’s title.' }),
    description: t.exposeString('description', { nullable: true, description: 'A line or two under the title.' }),
    path: t.string({ description: 'Where the public page is served on this OC.', resolve: () => '/status' }),
    components: t.field({
      type: [StatusComponentRef],
      description: 'The components, in page order.',
      resolve: (_page, _args, context) => context.services.statusPage.components(),
    }),
    incidents: t.field({
      type: [StatusIncidentRef],
      description: 'Open incidents and those resolved in the last 14 days, newest first.',
      resolve: (_page, _args, context) => context.services.statusPage.incidents(),
    }),
  }),
});

const StatusComponentInput = builder.inputType('StatusComponentInput', {
  description: 'A status page component.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'The public name (at most 60 characters).' }),
    target: t.field({ type: TargetInput, required: true, description: 'What it covers: clusters or tags (not all, not nodes).' }),
  }),
});

const StatusIncidentInput = builder.inputType('StatusIncidentInput', {
  description: 'A new incident and its first update.',
  fields: (t) => ({
    title: t.string({ required: true, description: 'The public title (at most 200 characters).' }),
    message: t.string({ required: true, description: 'The first update’s text.' }),
    state: t.field({ type: IncidentStateEnum, defaultValue: 'INVESTIGATING', description: 'Where it stands (not RESOLVED).' }),
    componentIds: t.idList({ required: true, description: 'The components it affects (may be empty).' }),
    alertId: t.id({ description: 'The alert this makes public (its internal details stay private; only the title and updates show).' }),
  }),
});

type ComponentArgs = { name: string; target: TargetInputShape };

builder.queryFields((t) => ({
  statusPage: t.field({
    type: StatusPageRef,
    description: 'The public status page’s settings, components and incidents, for admins to edit.',
    authScopes: { admin: true },
    resolve: (_root, _args, context) => context.services.statusPage.settings(),
  }),
}));

builder.mutationFields((t) => ({
  setStatusPageSettings: mutation(t, 'statusPage.setSettings', 'ADMIN', {
    type: StatusPageRef,
    description: 'Sets the status page’s title and description.',
    args: {
      title: t.arg.string({ required: true, description: 'The title (at most 100 characters).' }),
      description: t.arg.string({ description: 'A line or two under the title; empty or null for none.' }),
    },
    resolve: (meta, args, context) => context.services.statusPage.setSettings(meta, { title: args.title, description: args.description ?? null }),
  }),
  addStatusComponent: mutation(t, 'statusComponent.add', 'ADMIN', {
    type: StatusComponentRef,
    description: 'Adds a component at the end of the status page.',
    args: { input: t.arg({ type: StatusComponentInput, required: true, description: 'The component.' }) },
    resolve: (meta, args, context) => context.services.statusPage.addComponent(meta, args.input as ComponentArgs),
  }),
  updateStatusComponent: mutation(t, 'statusComponent.update', 'ADMIN', {
    type: StatusComponentRef,
    description: 'Changes a component’s public name and what it covers.',
    args: {
      id: t.arg.id({ required: true, description: 'The component.' }),
      input: t.arg({ type: StatusComponentInput, required: true, description: 'Its new name and target.' }),
    },
    resolve: (meta, args, context) => context.services.statusPage.updateComponent(meta, String(args.id), args.input as ComponentArgs),
  }),
  removeStatusComponent: mutation(t, 'statusComponent.remove', 'ADMIN', {
    type: RemovedRef,
    description: 'Removes a component from the status page; incidents that named it no longer show it.',
    args: { id: t.arg.id({ required: true, description: 'The component.' }) },
    resolve: (meta, args, context) => context.services.statusPage.removeComponent(meta, String(args.id)),
  }),
  reorderStatusComponents: mutation(t, 'statusComponent.reorder', 'ADMIN', {
    type: StatusPageRef,
    description: 'Puts the components in this order; it must name every component once.',
    args: { ids: t.arg.idList({ required: true, description: 'Every component id, in page order.' }) },
    resolve: async (meta, args, context) => {
      await context.services.statusPage.reorderComponents(meta, args.ids.map(String));
      return context.services.statusPage.settings();
    },
  }),
  publishStatusIncident: mutation(t, 'statusIncident.publish', 'ADMIN', {
    type: StatusIncidentRef,
    description: 'Publishes an incident on the status page with its first update.',
    args: { input: t.arg({ type: StatusIncidentInput, required: true, description: 'The incident.' }) },
    resolve: (meta, args, context) =>
      context.services.statusPage.publishIncident(meta, {
        ...args.input,
        componentIds: args.input.componentIds.map(String),
        alertId: args.input.alertId ? String(args.input.alertId) : null,
      }),
  }),
  postStatusIncidentUpdate: mutation(t, 'statusIncident.update', 'ADMIN', {
    type: StatusIncidentRef,
    description: 'Posts an update on an open incident, moving it to a state (RESOLVED closes it).',
    args: {
      id: t.arg.id({ required: true, description: 'The incident.' }),
      state: t.arg({ type: IncidentStateEnum, required: true, description: 'Where it stands now.' }),
      message: t.arg.string({ required: true, description: 'The text shown on the page.' }),
    },
    resolve: (meta, args, context) => context.services.statusPage.postIncidentUpdate(meta, String(args.id), args.state, args.message),
  }),
  resolveStatusIncident: mutation(t, 'statusIncident.resolve', 'ADMIN', {
    type: StatusIncidentRef,
    description: 'Resolves an open incident with a last update.',
    args: {
      id: t.arg.id({ required: true, description: 'The incident.' }),
      message: t.arg.string({ required: true, description: 'The text shown on the page.' }),
    },
    resolve: (meta, args, context) => context.services.statusPage.postIncidentUpdate(meta, String(args.id), 'RESOLVED', args.message),
  }),
}));
