// Jena ARQ as a second opinion: load one dump, then answer each query file as SPARQL JSON.
// Run with Java's single-file launcher (no build step):
//   java -cp JENA_CLASSPATH JenaQueries.java DUMP.nt QUERY1.rq OUT1.json [QUERY2.rq OUT2.json ...]
// One JVM for every query, so that the JVM starts once rather than once per query.
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryExecutionFactory;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.riot.RDFDataMgr;

public class JenaQueries {
    public static void main(String[] args) throws Exception {
        Model model = RDFDataMgr.loadModel(args[0]);
        for (int i = 1; i + 1 < args.length; i += 2) {
            Query query = QueryFactory.create(Files.readString(Path.of(args[i])));
            try (QueryExecution execution = QueryExecutionFactory.create(query, model);
                    OutputStream out = new FileOutputStream(args[i + 1])) {
                ResultSetFormatter.outputAsJSON(out, execution.execSelect());
            }
        }
    }
}
