// What an ISV's page does with amazon-quicksight-embedding-sdk, plus a record of what
// the SDK delivered, for the browser tests to read.
window.messages = [];
window.changes = [];
window.experience = null;

window.embed = async (url, parameters) => {
  const context = await QuickSightEmbedding.createEmbeddingContext({
    onChange: (change) => window.changes.push({ eventName: change.eventName, message: change.message }),
  });
  window.experience = await context.embedDashboard(
    { url, container: "#dashboard", height: "900px", width: "1200px" },
    {
      parameters,
      onMessage: async (event) => {
        window.messages.push({ eventName: event.eventName, message: event.message, at: performance.now() });
      },
    },
  );
  return true;
};

window.embedVisual = async (url) => {
  const context = await QuickSightEmbedding.createEmbeddingContext();
  window.experience = await context.embedVisual(
    { url, container: "#dashboard", height: "500px", width: "800px" },
    { onMessage: async (event) => window.messages.push({ eventName: event.eventName, message: event.message }) },
  );
  return true;
};
