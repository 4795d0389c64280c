package dev.countersign.pdp.agents;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * A real upstream MCP server for the gateway's tests: the official Java SDK's Streamable HTTP
 * transport (a servlet) on embedded Tomcat, 127.0.0.1, a free port, at {@code /mcp}. Its tools
 * record every invocation: {@code read_file} (read-only, with an output schema and structured
 * content; the path {@code "sleep"} makes it take 3 s), {@code delete_table}, {@code drop_index} and
 * {@code truncate} (destructive).
 */
public final class McpUpstreamServer implements AutoCloseable {
    /** Every tool invocation, as {@code tool arguments}. */
    public final List<String> invocations = new CopyOnWriteArrayList<>();
    private final Tomcat tomcat;
    private final McpSyncServer server;
    public final int port;

    public McpUpstreamServer() throws Exception {
        McpJsonMapper json = McpJsonDefaults.getMapper();
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json).mcpEndpoint("/mcp").build();
        String pathSchema = "{\"type\": \"object\", \"properties\": {\"path\": {\"type\": \"string\"}}, \"required\": [\"path\"]}";
        String tableSchema = "{\"type\": \"object\", \"properties\": {\"table\": {\"type\": \"string\"}}, \"required\": [\"table\"]}";
        server = McpServer.sync(transport).serverInfo("files", "1.0.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .tools(tool(json, "read_file", pathSchema, new McpSchema.ToolAnnotations("Read a file", true, false, true, false, null),
                                "{\"type\": \"object\", \"properties\": {\"path\": {\"type\": \"string\"}, \"size\": {\"type\": \"integer\"}},"
                                        + " \"required\": [\"path\", \"size\"]}"),
                        tool(json, "delete_table", tableSchema, destructive("Delete a table"), null),
                        tool(json, "drop_index", tableSchema, destructive("Drop an index"), null),
                        tool(json, "truncate", tableSchema, destructive("Truncate a table"), null))
                .build();
        tomcat = new Tomcat();
        tomcat.setBaseDir(java.nio.file.Files.createTempDirectory("mcp-upstream").toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", null);
        Tomcat.addServlet(context, "mcp", transport).setAsyncSupported(true);
        context.addServletMappingDecoded("/mcp", "mcp");
        tomcat.start();
        port = connector.getLocalPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/mcp";
    }

    public long count(String tool) {
        return invocations.stream().filter(i -> i.startsWith(tool + " ")).count();
    }

    private static McpSchema.ToolAnnotations destructive(String title) {
        return new McpSchema.ToolAnnotations(title, false, true, false, false, null);
    }

    private McpServerFeatures.SyncToolSpecification tool(McpJsonMapper json, String name, String inputSchema,
                                                         McpSchema.ToolAnnotations annotations, String outputSchema) {
        McpSchema.Tool.Builder tool = McpSchema.Tool.builder().name(name).description(annotations.title())
                .inputSchema(json, inputSchema).annotations(annotations);
        if (outputSchema != null) {
            tool.outputSchema(json, outputSchema);
        }
        return McpServerFeatures.SyncToolSpecification.builder().tool(tool.build()).callHandler((exchange, request) -> {
            invocations.add(name + " " + request.arguments());
            if (name.equals("read_file")) {
                String path = String.valueOf(request.arguments().get("path"));
                if (path.equals("sleep")) {
                    try {
                        Thread.sleep(Duration.ofSeconds(3).toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return McpSchema.CallToolResult.builder().addTextContent("contents of " + path)
                        .structuredContent(Map.of("path", path, "size", path.length())).build();
            }
            return McpSchema.CallToolResult.builder().addTextContent(name + " done on " + request.arguments().get("table")).build();
        }).build();
    }

    @Override
    public void close() throws Exception {
        server.closeGracefully();
        tomcat.stop();
        tomcat.destroy();
    }
}
