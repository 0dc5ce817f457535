/** `/connectors`: the connectors table. */
import { agentListHandler } from "../../components/AgentPages.tsx";
import type { RouteModule } from "../../context.ts";

export const handler: RouteModule["handler"] = agentListHandler("connector");
