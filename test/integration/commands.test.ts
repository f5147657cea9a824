import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollManager, type ScriptedManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { collect, startTestServer, type TestServer } from '../helpers/server.ts';
import { consistently } from '../helpers/wait.ts';

const COMMANDS = 'subscription { agentCommands { id kind nodeName params { __typename ... on RestartParams { operationId } } epoch operationId } }';
const REPORT = `mutation($input: CommandProgressInput!) {
  reportCommandProgress(input: $input) { __typename ... on CommandReceipt { state } ... on Error { code message } }
}`;

describe('the command channel', () => {
  let server: TestServer;
  let east: ScriptedManager;
  let west: ScriptedManager;

  beforeAll(async () => {
    server = await startTestServer();
    east = await enrollManager(server, 'east', { workers: ['east-1'] });
    west = await enrollManager(server, 'west', { workers: ['west-1'] });
  });
  afterAll(() => server.stop());

  async function issue(manager: ScriptedManager, nodeName: string, epoch = 1) {
    const node = ok<any>(
      await server.gql(`{ cluster(name: "${manager.clusterName}") { nodes(first: 10) { nodes { id name } } } }`, {}, server.adminToken),
    ).cluster.nodes.nodes.find((candidate: any) => candidate.name === nodeName);
    return server.app.services.transactor.run(null, null, (work) =>
      server.app.services.commands.issue(work, {
        clusterId: manager.clusterId,
        nodeId: node.id,
        nodeName,
        kind: 'RESTART',
        params: { operationId: null },
        epoch,
      }),
    );
  }

  it('delivers a cluster’s commands to its manager only, and replays unfinished ones on reconnect', async () => {
    const eastClient = server.wsClient(east.credential);
    const westClient = server.wsClient(west.credential);
    const eastStream = collect(eastClient, COMMANDS);
    const westStream = collect(westClient, COMMANDS);
    await Promise.all([server.connected(eastClient), server.connected(westClient)]);
    const command = await issue(east, 'east-1');
    const [delivered] = await eastStream.waitFor(1);
    expect(delivered.agentCommands).toMatchObject({
      id: command.id,
      kind: 'RESTART',
      nodeName: 'east-1',
      params: { __typename: 'RestartParams', operationId: null },
      epoch: 1,
    });
    await consistently(() => expect(westStream.received).toEqual([]), { forMs: 200 });

    const again = collect(server.wsClient(east.credential), COMMANDS);
    expect((await again.waitFor(1))[0].agentCommands.id).toBe(command.id);

    const running = ok<any>(await server.gql(REPORT, { input: { commandId: command.id, epoch: 1, state: 'RUNNING' } }, east.credential));
    expect(running.reportCommandProgress).toEqual({ __typename: 'CommandReceipt', state: 'RUNNING' });
    const done = ok<any>(
      await server.gql(REPORT, { input: { commandId: command.id, epoch: 1, state: 'SUCCEEDED', message: 'pid 42 -> 43' } }, east.credential),
    );
    expect(done.reportCommandProgress.state).toBe('SUCCEEDED');
    // A late duplicate report changes nothing.
    const late = ok<any>(await server.gql(REPORT, { input: { commandId: command.id, epoch: 1, state: 'FAILED' } }, east.credential));
    expect(late.reportCommandProgress.state).toBe('SUCCEEDED');
    // Finished commands are not replayed.
    const after = collect(server.wsClient(east.credential), COMMANDS);
    await consistently(() => expect(after.received).toEqual([]), { forMs: 300 });
  });

  it('types a command: its kind is a CommandKind, and its params an object of that kind', async () => {
    const fields = ok<any>(await server.gql('{ __type(name: "AgentCommand") { fields { name type { kind ofType { kind name } } } } }', {}, server.adminToken))
      .__type.fields;
    const typeOf = (name: string) => fields.find((field: any) => field.name === name).type;
    expect(typeOf('kind')).toEqual({ kind: 'NON_NULL', ofType: { kind: 'ENUM', name: 'CommandKind' } });
    expect(typeOf('params')).toEqual({ kind: 'NON_NULL', ofType: { kind: 'UNION', name: 'CommandParams' } });
  });

  it('refuses reports about another cluster’s commands and about another epoch', async () => {
    const command = await issue(east, 'east-1', 3);
    const foreign = ok<any>(await server.gql(REPORT, { input: { commandId: command.id, epoch: 3, state: 'SUCCEEDED' } }, west.credential));
    expect(foreign.reportCommandProgress).toMatchObject({ __typename: 'NotFoundError' });
    const stale = ok<any>(await server.gql(REPORT, { input: { commandId: command.id, epoch: 2, state: 'SUCCEEDED' } }, east.credential));
    expect(stale.reportCommandProgress).toMatchObject({ __typename: 'ConflictError' });
    const row = await server.app.services.commands.outstanding(east.clusterId);
    expect(row.map((candidate) => [candidate.id, candidate.state])).toEqual([[command.id, 'PENDING']]);
  });
});
