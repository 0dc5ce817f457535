/** Every island by name; the server renders them by these names and the browser bundle hydrates them. */
import AgentStatus from "./AgentStatus.tsx";
import ConnectorsTable from "./ConnectorsTable.tsx";
import CopyButton from "./CopyButton.tsx";
import Dashboard from "./Dashboard.tsx";
import EventsTable from "./EventsTable.tsx";
import OutageBanner from "./OutageBanner.tsx";
import TrafficChart from "./TrafficChart.tsx";
import TunnelersTable from "./TunnelersTable.tsx";

/** Island components by name. */
export const ISLANDS = {
  AgentStatus,
  ConnectorsTable,
  CopyButton,
  Dashboard,
  EventsTable,
  OutageBanner,
  TrafficChart,
  TunnelersTable,
};
/** An island's name. */
export type IslandName = keyof typeof ISLANDS;
