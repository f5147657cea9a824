import { graphql, type ResultOf } from '$lib/graphql/graphql';

export const NodeStatusEventsSubscription = graphql(`
  subscription NodeStatusEvents($afterSequence: SafeInt) {
    nodeStatusChanged(afterSequence: $afterSequence) {
      __typename
      ... on NodeStatusChange {
        sequence
        nodeId
        nodeName
        clusterId
        clusterName
        role
        from
        to
        cause
        at
      }
      ... on ResyncRequired {
        sequence
        reason
      }
    }
  }
`);

export const TopologyEventsSubscription = graphql(`
  subscription TopologyEvents($afterSequence: SafeInt) {
    topologyEvents(afterSequence: $afterSequence) {
      __typename
      ... on TopologyChange {
        sequence
        kind
        clusterId
        clusterName
        nodeId
        nodeName
        role
        tags
        at
      }
      ... on ResyncRequired {
        sequence
        reason
      }
    }
  }
`);

export type NodeStatusEvent = ResultOf<typeof NodeStatusEventsSubscription>['nodeStatusChanged'];
export type TopologyEvent = ResultOf<typeof TopologyEventsSubscription>['topologyEvents'];

export type NodeStatusChange = Extract<NodeStatusEvent, { __typename: 'NodeStatusChange' }>;
export type TopologyChange = Extract<TopologyEvent, { __typename: 'TopologyChange' }>;
