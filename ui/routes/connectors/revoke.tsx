/** `/connectors/:id/revoke`: GET asks for confirmation, POST revokes. */
import { agentRevokeHandler } from "../../components/AgentPages.tsx";
import type { RouteModule } from "../../context.ts";

export const handler: RouteModule["handler"] = agentRevokeHandler("connector");
