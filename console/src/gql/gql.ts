/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query AccountNames {\n    integrationAccounts(first: 100) { edges { node { id name } } }\n  }\n": typeof types.AccountNamesDocument,
    "\n  fragment AdminAccountFields on IntegrationAccount {\n    id\n    name\n    type\n    status\n    webhookUrl\n    verifiedAt\n    health { lastInboundAt lastSentAt lastSendError failing }\n    lastTest { ok message }\n  }\n": typeof types.AdminAccountFieldsFragmentDoc,
    "\n  query Me {\n    me { id name email role state stateReason }\n  }\n": typeof types.MeDocument,
    "\n  mutation Logout {\n    logout\n  }\n": typeof types.LogoutDocument,
    "\n  mutation TestConnection($id: ID!) {\n    testConnection(id: $id) { ok message }\n  }\n": typeof types.TestConnectionDocument,
    "\n  mutation SetWebhook($id: ID!) {\n    setWebhook(id: $id) { ok message }\n  }\n": typeof types.SetWebhookDocument,
    "\n  mutation ConnectAccount($id: ID!) {\n    connectIntegrationAccount(id: $id) { id status }\n  }\n": typeof types.ConnectAccountDocument,
    "\n  mutation GenerateVerifyToken($id: ID!) {\n    generateWebhookVerifyToken(id: $id) { id }\n  }\n": typeof types.GenerateVerifyTokenDocument,
    "\n  mutation ConsoleCreateAccount($input: CreateIntegrationAccountInput!) {\n    createIntegrationAccount(input: $input) { id }\n  }\n": typeof types.ConsoleCreateAccountDocument,
    "\n  mutation ConsoleUpdateAccount($id: ID!, $input: UpdateIntegrationAccountInput!) {\n    updateIntegrationAccount(id: $id, input: $input) { id }\n  }\n": typeof types.ConsoleUpdateAccountDocument,
    "\n  mutation ConsoleDisconnectAccount($id: ID!) {\n    disconnectIntegrationAccount(id: $id) { id status }\n  }\n": typeof types.ConsoleDisconnectAccountDocument,
    "\n  mutation ConsoleDeleteAccount($id: ID!) {\n    deleteIntegrationAccount(id: $id)\n  }\n": typeof types.ConsoleDeleteAccountDocument,
    "\n  query AdminServices {\n    chatServices {\n      id\n      name\n      priority\n      timeZone\n      hours\n      offerTimeoutSeconds\n      inactivityWarningSeconds\n      inactivityCloseSeconds\n      requiredSkills { name level }\n      accounts { id name }\n      agents { id name }\n    }\n  }\n": typeof types.AdminServicesDocument,
    "\n  mutation UpdateService($id: ID!, $input: ChatServiceInput!) {\n    updateChatService(id: $id, input: $input) { id }\n  }\n": typeof types.UpdateServiceDocument,
    "\n  mutation CreateService($input: ChatServiceInput!) {\n    createChatService(input: $input) { id name }\n  }\n": typeof types.CreateServiceDocument,
    "\n  mutation ScenarioOff($id: ID!) {\n    saveScenario(serviceId: $id, input: null) { id }\n  }\n": typeof types.ScenarioOffDocument,
    "\n  query AdminUsers {\n    users(first: 100) { edges { node { id name email role active state capacity skills { name level } } } }\n  }\n": typeof types.AdminUsersDocument,
    "\n  mutation UpdateConsoleUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) { id }\n  }\n": typeof types.UpdateConsoleUserDocument,
    "\n  mutation CreateConsoleUser($input: CreateUserInput!) {\n    createUser(input: $input) { id }\n  }\n": typeof types.CreateConsoleUserDocument,
    "\n  query AccountMessages($id: ID!) {\n    node(id: $id) {\n      ... on IntegrationAccount {\n        id\n        systemMessages { event mode text effectiveText variables }\n      }\n    }\n  }\n": typeof types.AccountMessagesDocument,
    "\n  mutation UpdateAccountMessages($accountId: ID!, $input: [SystemMessageInput!]!) {\n    updateSystemMessages(accountId: $accountId, input: $input) { event mode text effectiveText variables }\n  }\n": typeof types.UpdateAccountMessagesDocument,
    "\n  query TenantDefaultMessages {\n    defaultSystemMessages { event text builtIn variables }\n  }\n": typeof types.TenantDefaultMessagesDocument,
    "\n  mutation UpdateTenantDefaultMessages($input: [DefaultSystemMessageInput!]!) {\n    updateDefaultSystemMessages(input: $input) { event text builtIn variables }\n  }\n": typeof types.UpdateTenantDefaultMessagesDocument,
    "\n  query AdminTokens {\n    tokens(first: 100) { edges { node { id kind name hint createdAt expiresAt revokedAt user { id name } } } }\n    users(first: 100) { edges { node { id name } } }\n  }\n": typeof types.AdminTokensDocument,
    "\n  mutation CreateToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) { token apiToken { id } }\n  }\n": typeof types.CreateTokenDocument,
    "\n  mutation RevokeToken($id: ID!) {\n    revokeToken(id: $id) { id revokedAt }\n  }\n": typeof types.RevokeTokenDocument,
    "\n  fragment AgentConversationFields on Conversation {\n    id\n    status\n    lastMessageAt\n    assignee { id name }\n    contact { id displayName providerUserID language fields { name value } }\n    integrationAccount { id name type }\n    service { id name }\n  }\n": typeof types.AgentConversationFieldsFragmentDoc,
    "\n  query MyPendingOffers {\n    myOffers { id expiresAt conversation { ...AgentConversationFields } }\n  }\n": typeof types.MyPendingOffersDocument,
    "\n  fragment AgentMessageFields on Message {\n    id\n    direction\n    status\n    text\n    createdAt\n    error\n    sender { id name }\n    attachments { type fileName mimeType downloadUrl status }\n  }\n": typeof types.AgentMessageFieldsFragmentDoc,
    "\n  query MyConversations($me: ID!) {\n    conversations(first: 50, where: { status: OPEN, hasAssigneeWith: [{ id: $me }] }, orderBy: { field: LAST_MESSAGE_AT, direction: DESC }) {\n      edges { node { ...AgentConversationFields } }\n    }\n  }\n": typeof types.MyConversationsDocument,
    "\n  query ConversationMessages($id: ID!) {\n    node(id: $id) {\n      ... on Conversation {\n        id\n        messages(last: 100, orderBy: { field: CREATED_AT, direction: ASC }) {\n          edges { node { ...AgentMessageFields } }\n        }\n      }\n    }\n  }\n": typeof types.ConversationMessagesDocument,
    "\n  subscription AgentInbox($after: String) {\n    inboxEvents(after: $after) {\n      cursor\n      kind\n      conversation { ...AgentConversationFields }\n      message { ...AgentMessageFields }\n      offer { id status expiresAt }\n    }\n  }\n": typeof types.AgentInboxDocument,
    "\n  query ContactHistory($id: ID!) {\n    node(id: $id) { ... on Conversation { id history { id status createdAt } } }\n  }\n": typeof types.ContactHistoryDocument,
    "\n  mutation SetMyState($input: AgentStateInput!) {\n    setAgentState(input: $input) { id state stateReason }\n  }\n": typeof types.SetMyStateDocument,
    "\n  mutation AcceptOffer($id: ID!) {\n    acceptOffer(id: $id) { ...AgentConversationFields }\n  }\n": typeof types.AcceptOfferDocument,
    "\n  mutation RejectOffer($id: ID!) {\n    rejectOffer(id: $id) { id status }\n  }\n": typeof types.RejectOfferDocument,
    "\n  mutation SendReply($input: SendMessageInput!) {\n    sendMessage(input: $input) { ...AgentMessageFields }\n  }\n": typeof types.SendReplyDocument,
    "\n  mutation CloseConversation($id: ID!) {\n    closeConversation(id: $id) { id status }\n  }\n": typeof types.CloseConversationDocument,
    "\n  mutation TransferConversation($id: ID!, $serviceId: ID, $userId: ID) {\n    transferConversation(id: $id, serviceId: $serviceId, userId: $userId) { id }\n  }\n": typeof types.TransferConversationDocument,
    "\n  query TransferTargets {\n    chatServices { id name }\n    users(first: 200, where: { active: true, roleIn: [AGENT, SUPERVISOR] }) { edges { node { id name state } } }\n  }\n": typeof types.TransferTargetsDocument,
    "\n  fragment ScenarioFields on Scenario {\n    start\n    blocks {\n      id\n      type\n      sendMessage { text }\n      if { branches { name conditions { subject op field value number ignoreCase timeZone not } } }\n      findAgent { skills { skill minLevel } timeoutSeconds }\n      collect { question variable pattern retryText maxAttempts }\n      survey { question commentQuestion retryText maxAttempts }\n      exit { closingText }\n      exits { name to }\n    }\n  }\n": typeof types.ScenarioFieldsFragmentDoc,
    "\n  query ServiceScenario($id: ID!) {\n    node(id: $id) { ... on ChatService { id name scenario { ...ScenarioFields } } }\n    defaultScenario { ...ScenarioFields }\n  }\n": typeof types.ServiceScenarioDocument,
    "\n  mutation SaveServiceScenario($id: ID!, $input: ScenarioInput) {\n    saveScenario(serviceId: $id, input: $input) { id scenario { ...ScenarioFields } }\n  }\n": typeof types.SaveServiceScenarioDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) { token expiresAt }\n  }\n": typeof types.LoginDocument,
    "\n  subscription QueueLive {\n    queueEvents {\n      at\n      services { serviceId name waiting offered longestWaitSeconds conversations { conversationId waitSeconds offeredToId } }\n      agents { userId name state stateReason openConversations pendingOffers capacity }\n    }\n  }\n": typeof types.QueueLiveDocument,
    "\n  query ServiceFigures($from: Time!, $to: Time!, $bucket: StatsBucket) {\n    serviceStats(from: $from, to: $to, bucket: $bucket) {\n      serviceId\n      name\n      entered\n      answered\n      abandoned\n      averageWaitSeconds\n      longestWaitSeconds\n      handled\n      averageHandleSeconds\n      waitingNow\n      averageRating\n      ratings\n      channels { channel conversations }\n      series { from entered answered abandoned }\n    }\n  }\n": typeof types.ServiceFiguresDocument,
};
const documents: Documents = {
    "\n  query AccountNames {\n    integrationAccounts(first: 100) { edges { node { id name } } }\n  }\n": types.AccountNamesDocument,
    "\n  fragment AdminAccountFields on IntegrationAccount {\n    id\n    name\n    type\n    status\n    webhookUrl\n    verifiedAt\n    health { lastInboundAt lastSentAt lastSendError failing }\n    lastTest { ok message }\n  }\n": types.AdminAccountFieldsFragmentDoc,
    "\n  query Me {\n    me { id name email role state stateReason }\n  }\n": types.MeDocument,
    "\n  mutation Logout {\n    logout\n  }\n": types.LogoutDocument,
    "\n  mutation TestConnection($id: ID!) {\n    testConnection(id: $id) { ok message }\n  }\n": types.TestConnectionDocument,
    "\n  mutation SetWebhook($id: ID!) {\n    setWebhook(id: $id) { ok message }\n  }\n": types.SetWebhookDocument,
    "\n  mutation ConnectAccount($id: ID!) {\n    connectIntegrationAccount(id: $id) { id status }\n  }\n": types.ConnectAccountDocument,
    "\n  mutation GenerateVerifyToken($id: ID!) {\n    generateWebhookVerifyToken(id: $id) { id }\n  }\n": types.GenerateVerifyTokenDocument,
    "\n  mutation ConsoleCreateAccount($input: CreateIntegrationAccountInput!) {\n    createIntegrationAccount(input: $input) { id }\n  }\n": types.ConsoleCreateAccountDocument,
    "\n  mutation ConsoleUpdateAccount($id: ID!, $input: UpdateIntegrationAccountInput!) {\n    updateIntegrationAccount(id: $id, input: $input) { id }\n  }\n": types.ConsoleUpdateAccountDocument,
    "\n  mutation ConsoleDisconnectAccount($id: ID!) {\n    disconnectIntegrationAccount(id: $id) { id status }\n  }\n": types.ConsoleDisconnectAccountDocument,
    "\n  mutation ConsoleDeleteAccount($id: ID!) {\n    deleteIntegrationAccount(id: $id)\n  }\n": types.ConsoleDeleteAccountDocument,
    "\n  query AdminServices {\n    chatServices {\n      id\n      name\n      priority\n      timeZone\n      hours\n      offerTimeoutSeconds\n      inactivityWarningSeconds\n      inactivityCloseSeconds\n      requiredSkills { name level }\n      accounts { id name }\n      agents { id name }\n    }\n  }\n": types.AdminServicesDocument,
    "\n  mutation UpdateService($id: ID!, $input: ChatServiceInput!) {\n    updateChatService(id: $id, input: $input) { id }\n  }\n": types.UpdateServiceDocument,
    "\n  mutation CreateService($input: ChatServiceInput!) {\n    createChatService(input: $input) { id name }\n  }\n": types.CreateServiceDocument,
    "\n  mutation ScenarioOff($id: ID!) {\n    saveScenario(serviceId: $id, input: null) { id }\n  }\n": types.ScenarioOffDocument,
    "\n  query AdminUsers {\n    users(first: 100) { edges { node { id name email role active state capacity skills { name level } } } }\n  }\n": types.AdminUsersDocument,
    "\n  mutation UpdateConsoleUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) { id }\n  }\n": types.UpdateConsoleUserDocument,
    "\n  mutation CreateConsoleUser($input: CreateUserInput!) {\n    createUser(input: $input) { id }\n  }\n": types.CreateConsoleUserDocument,
    "\n  query AccountMessages($id: ID!) {\n    node(id: $id) {\n      ... on IntegrationAccount {\n        id\n        systemMessages { event mode text effectiveText variables }\n      }\n    }\n  }\n": types.AccountMessagesDocument,
    "\n  mutation UpdateAccountMessages($accountId: ID!, $input: [SystemMessageInput!]!) {\n    updateSystemMessages(accountId: $accountId, input: $input) { event mode text effectiveText variables }\n  }\n": types.UpdateAccountMessagesDocument,
    "\n  query TenantDefaultMessages {\n    defaultSystemMessages { event text builtIn variables }\n  }\n": types.TenantDefaultMessagesDocument,
    "\n  mutation UpdateTenantDefaultMessages($input: [DefaultSystemMessageInput!]!) {\n    updateDefaultSystemMessages(input: $input) { event text builtIn variables }\n  }\n": types.UpdateTenantDefaultMessagesDocument,
    "\n  query AdminTokens {\n    tokens(first: 100) { edges { node { id kind name hint createdAt expiresAt revokedAt user { id name } } } }\n    users(first: 100) { edges { node { id name } } }\n  }\n": types.AdminTokensDocument,
    "\n  mutation CreateToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) { token apiToken { id } }\n  }\n": types.CreateTokenDocument,
    "\n  mutation RevokeToken($id: ID!) {\n    revokeToken(id: $id) { id revokedAt }\n  }\n": types.RevokeTokenDocument,
    "\n  fragment AgentConversationFields on Conversation {\n    id\n    status\n    lastMessageAt\n    assignee { id name }\n    contact { id displayName providerUserID language fields { name value } }\n    integrationAccount { id name type }\n    service { id name }\n  }\n": types.AgentConversationFieldsFragmentDoc,
    "\n  query MyPendingOffers {\n    myOffers { id expiresAt conversation { ...AgentConversationFields } }\n  }\n": types.MyPendingOffersDocument,
    "\n  fragment AgentMessageFields on Message {\n    id\n    direction\n    status\n    text\n    createdAt\n    error\n    sender { id name }\n    attachments { type fileName mimeType downloadUrl status }\n  }\n": types.AgentMessageFieldsFragmentDoc,
    "\n  query MyConversations($me: ID!) {\n    conversations(first: 50, where: { status: OPEN, hasAssigneeWith: [{ id: $me }] }, orderBy: { field: LAST_MESSAGE_AT, direction: DESC }) {\n      edges { node { ...AgentConversationFields } }\n    }\n  }\n": types.MyConversationsDocument,
    "\n  query ConversationMessages($id: ID!) {\n    node(id: $id) {\n      ... on Conversation {\n        id\n        messages(last: 100, orderBy: { field: CREATED_AT, direction: ASC }) {\n          edges { node { ...AgentMessageFields } }\n        }\n      }\n    }\n  }\n": types.ConversationMessagesDocument,
    "\n  subscription AgentInbox($after: String) {\n    inboxEvents(after: $after) {\n      cursor\n      kind\n      conversation { ...AgentConversationFields }\n      message { ...AgentMessageFields }\n      offer { id status expiresAt }\n    }\n  }\n": types.AgentInboxDocument,
    "\n  query ContactHistory($id: ID!) {\n    node(id: $id) { ... on Conversation { id history { id status createdAt } } }\n  }\n": types.ContactHistoryDocument,
    "\n  mutation SetMyState($input: AgentStateInput!) {\n    setAgentState(input: $input) { id state stateReason }\n  }\n": types.SetMyStateDocument,
    "\n  mutation AcceptOffer($id: ID!) {\n    acceptOffer(id: $id) { ...AgentConversationFields }\n  }\n": types.AcceptOfferDocument,
    "\n  mutation RejectOffer($id: ID!) {\n    rejectOffer(id: $id) { id status }\n  }\n": types.RejectOfferDocument,
    "\n  mutation SendReply($input: SendMessageInput!) {\n    sendMessage(input: $input) { ...AgentMessageFields }\n  }\n": types.SendReplyDocument,
    "\n  mutation CloseConversation($id: ID!) {\n    closeConversation(id: $id) { id status }\n  }\n": types.CloseConversationDocument,
    "\n  mutation TransferConversation($id: ID!, $serviceId: ID, $userId: ID) {\n    transferConversation(id: $id, serviceId: $serviceId, userId: $userId) { id }\n  }\n": types.TransferConversationDocument,
    "\n  query TransferTargets {\n    chatServices { id name }\n    users(first: 200, where: { active: true, roleIn: [AGENT, SUPERVISOR] }) { edges { node { id name state } } }\n  }\n": types.TransferTargetsDocument,
    "\n  fragment ScenarioFields on Scenario {\n    start\n    blocks {\n      id\n      type\n      sendMessage { text }\n      if { branches { name conditions { subject op field value number ignoreCase timeZone not } } }\n      findAgent { skills { skill minLevel } timeoutSeconds }\n      collect { question variable pattern retryText maxAttempts }\n      survey { question commentQuestion retryText maxAttempts }\n      exit { closingText }\n      exits { name to }\n    }\n  }\n": types.ScenarioFieldsFragmentDoc,
    "\n  query ServiceScenario($id: ID!) {\n    node(id: $id) { ... on ChatService { id name scenario { ...ScenarioFields } } }\n    defaultScenario { ...ScenarioFields }\n  }\n": types.ServiceScenarioDocument,
    "\n  mutation SaveServiceScenario($id: ID!, $input: ScenarioInput) {\n    saveScenario(serviceId: $id, input: $input) { id scenario { ...ScenarioFields } }\n  }\n": types.SaveServiceScenarioDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) { token expiresAt }\n  }\n": types.LoginDocument,
    "\n  subscription QueueLive {\n    queueEvents {\n      at\n      services { serviceId name waiting offered longestWaitSeconds conversations { conversationId waitSeconds offeredToId } }\n      agents { userId name state stateReason openConversations pendingOffers capacity }\n    }\n  }\n": types.QueueLiveDocument,
    "\n  query ServiceFigures($from: Time!, $to: Time!, $bucket: StatsBucket) {\n    serviceStats(from: $from, to: $to, bucket: $bucket) {\n      serviceId\n      name\n      entered\n      answered\n      abandoned\n      averageWaitSeconds\n      longestWaitSeconds\n      handled\n      averageHandleSeconds\n      waitingNow\n      averageRating\n      ratings\n      channels { channel conversations }\n      series { from entered answered abandoned }\n    }\n  }\n": types.ServiceFiguresDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AccountNames {\n    integrationAccounts(first: 100) { edges { node { id name } } }\n  }\n"): (typeof documents)["\n  query AccountNames {\n    integrationAccounts(first: 100) { edges { node { id name } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AdminAccountFields on IntegrationAccount {\n    id\n    name\n    type\n    status\n    webhookUrl\n    verifiedAt\n    health { lastInboundAt lastSentAt lastSendError failing }\n    lastTest { ok message }\n  }\n"): (typeof documents)["\n  fragment AdminAccountFields on IntegrationAccount {\n    id\n    name\n    type\n    status\n    webhookUrl\n    verifiedAt\n    health { lastInboundAt lastSentAt lastSendError failing }\n    lastTest { ok message }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me { id name email role state stateReason }\n  }\n"): (typeof documents)["\n  query Me {\n    me { id name email role state stateReason }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout\n  }\n"): (typeof documents)["\n  mutation Logout {\n    logout\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TestConnection($id: ID!) {\n    testConnection(id: $id) { ok message }\n  }\n"): (typeof documents)["\n  mutation TestConnection($id: ID!) {\n    testConnection(id: $id) { ok message }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetWebhook($id: ID!) {\n    setWebhook(id: $id) { ok message }\n  }\n"): (typeof documents)["\n  mutation SetWebhook($id: ID!) {\n    setWebhook(id: $id) { ok message }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConnectAccount($id: ID!) {\n    connectIntegrationAccount(id: $id) { id status }\n  }\n"): (typeof documents)["\n  mutation ConnectAccount($id: ID!) {\n    connectIntegrationAccount(id: $id) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateVerifyToken($id: ID!) {\n    generateWebhookVerifyToken(id: $id) { id }\n  }\n"): (typeof documents)["\n  mutation GenerateVerifyToken($id: ID!) {\n    generateWebhookVerifyToken(id: $id) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleCreateAccount($input: CreateIntegrationAccountInput!) {\n    createIntegrationAccount(input: $input) { id }\n  }\n"): (typeof documents)["\n  mutation ConsoleCreateAccount($input: CreateIntegrationAccountInput!) {\n    createIntegrationAccount(input: $input) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleUpdateAccount($id: ID!, $input: UpdateIntegrationAccountInput!) {\n    updateIntegrationAccount(id: $id, input: $input) { id }\n  }\n"): (typeof documents)["\n  mutation ConsoleUpdateAccount($id: ID!, $input: UpdateIntegrationAccountInput!) {\n    updateIntegrationAccount(id: $id, input: $input) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleDisconnectAccount($id: ID!) {\n    disconnectIntegrationAccount(id: $id) { id status }\n  }\n"): (typeof documents)["\n  mutation ConsoleDisconnectAccount($id: ID!) {\n    disconnectIntegrationAccount(id: $id) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleDeleteAccount($id: ID!) {\n    deleteIntegrationAccount(id: $id)\n  }\n"): (typeof documents)["\n  mutation ConsoleDeleteAccount($id: ID!) {\n    deleteIntegrationAccount(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AdminServices {\n    chatServices {\n      id\n      name\n      priority\n      timeZone\n      hours\n      offerTimeoutSeconds\n      inactivityWarningSeconds\n      inactivityCloseSeconds\n      requiredSkills { name level }\n      accounts { id name }\n      agents { id name }\n    }\n  }\n"): (typeof documents)["\n  query AdminServices {\n    chatServices {\n      id\n      name\n      priority\n      timeZone\n      hours\n      offerTimeoutSeconds\n      inactivityWarningSeconds\n      inactivityCloseSeconds\n      requiredSkills { name level }\n      accounts { id name }\n      agents { id name }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateService($id: ID!, $input: ChatServiceInput!) {\n    updateChatService(id: $id, input: $input) { id }\n  }\n"): (typeof documents)["\n  mutation UpdateService($id: ID!, $input: ChatServiceInput!) {\n    updateChatService(id: $id, input: $input) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateService($input: ChatServiceInput!) {\n    createChatService(input: $input) { id name }\n  }\n"): (typeof documents)["\n  mutation CreateService($input: ChatServiceInput!) {\n    createChatService(input: $input) { id name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ScenarioOff($id: ID!) {\n    saveScenario(serviceId: $id, input: null) { id }\n  }\n"): (typeof documents)["\n  mutation ScenarioOff($id: ID!) {\n    saveScenario(serviceId: $id, input: null) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AdminUsers {\n    users(first: 100) { edges { node { id name email role active state capacity skills { name level } } } }\n  }\n"): (typeof documents)["\n  query AdminUsers {\n    users(first: 100) { edges { node { id name email role active state capacity skills { name level } } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateConsoleUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) { id }\n  }\n"): (typeof documents)["\n  mutation UpdateConsoleUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateConsoleUser($input: CreateUserInput!) {\n    createUser(input: $input) { id }\n  }\n"): (typeof documents)["\n  mutation CreateConsoleUser($input: CreateUserInput!) {\n    createUser(input: $input) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AccountMessages($id: ID!) {\n    node(id: $id) {\n      ... on IntegrationAccount {\n        id\n        systemMessages { event mode text effectiveText variables }\n      }\n    }\n  }\n"): (typeof documents)["\n  query AccountMessages($id: ID!) {\n    node(id: $id) {\n      ... on IntegrationAccount {\n        id\n        systemMessages { event mode text effectiveText variables }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateAccountMessages($accountId: ID!, $input: [SystemMessageInput!]!) {\n    updateSystemMessages(accountId: $accountId, input: $input) { event mode text effectiveText variables }\n  }\n"): (typeof documents)["\n  mutation UpdateAccountMessages($accountId: ID!, $input: [SystemMessageInput!]!) {\n    updateSystemMessages(accountId: $accountId, input: $input) { event mode text effectiveText variables }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TenantDefaultMessages {\n    defaultSystemMessages { event text builtIn variables }\n  }\n"): (typeof documents)["\n  query TenantDefaultMessages {\n    defaultSystemMessages { event text builtIn variables }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateTenantDefaultMessages($input: [DefaultSystemMessageInput!]!) {\n    updateDefaultSystemMessages(input: $input) { event text builtIn variables }\n  }\n"): (typeof documents)["\n  mutation UpdateTenantDefaultMessages($input: [DefaultSystemMessageInput!]!) {\n    updateDefaultSystemMessages(input: $input) { event text builtIn variables }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AdminTokens {\n    tokens(first: 100) { edges { node { id kind name hint createdAt expiresAt revokedAt user { id name } } } }\n    users(first: 100) { edges { node { id name } } }\n  }\n"): (typeof documents)["\n  query AdminTokens {\n    tokens(first: 100) { edges { node { id kind name hint createdAt expiresAt revokedAt user { id name } } } }\n    users(first: 100) { edges { node { id name } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) { token apiToken { id } }\n  }\n"): (typeof documents)["\n  mutation CreateToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) { token apiToken { id } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeToken($id: ID!) {\n    revokeToken(id: $id) { id revokedAt }\n  }\n"): (typeof documents)["\n  mutation RevokeToken($id: ID!) {\n    revokeToken(id: $id) { id revokedAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AgentConversationFields on Conversation {\n    id\n    status\n    lastMessageAt\n    assignee { id name }\n    contact { id displayName providerUserID language fields { name value } }\n    integrationAccount { id name type }\n    service { id name }\n  }\n"): (typeof documents)["\n  fragment AgentConversationFields on Conversation {\n    id\n    status\n    lastMessageAt\n    assignee { id name }\n    contact { id displayName providerUserID language fields { name value } }\n    integrationAccount { id name type }\n    service { id name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyPendingOffers {\n    myOffers { id expiresAt conversation { ...AgentConversationFields } }\n  }\n"): (typeof documents)["\n  query MyPendingOffers {\n    myOffers { id expiresAt conversation { ...AgentConversationFields } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AgentMessageFields on Message {\n    id\n    direction\n    status\n    text\n    createdAt\n    error\n    sender { id name }\n    attachments { type fileName mimeType downloadUrl status }\n  }\n"): (typeof documents)["\n  fragment AgentMessageFields on Message {\n    id\n    direction\n    status\n    text\n    createdAt\n    error\n    sender { id name }\n    attachments { type fileName mimeType downloadUrl status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyConversations($me: ID!) {\n    conversations(first: 50, where: { status: OPEN, hasAssigneeWith: [{ id: $me }] }, orderBy: { field: LAST_MESSAGE_AT, direction: DESC }) {\n      edges { node { ...AgentConversationFields } }\n    }\n  }\n"): (typeof documents)["\n  query MyConversations($me: ID!) {\n    conversations(first: 50, where: { status: OPEN, hasAssigneeWith: [{ id: $me }] }, orderBy: { field: LAST_MESSAGE_AT, direction: DESC }) {\n      edges { node { ...AgentConversationFields } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConversationMessages($id: ID!) {\n    node(id: $id) {\n      ... on Conversation {\n        id\n        messages(last: 100, orderBy: { field: CREATED_AT, direction: ASC }) {\n          edges { node { ...AgentMessageFields } }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConversationMessages($id: ID!) {\n    node(id: $id) {\n      ... on Conversation {\n        id\n        messages(last: 100, orderBy: { field: CREATED_AT, direction: ASC }) {\n          edges { node { ...AgentMessageFields } }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AgentInbox($after: String) {\n    inboxEvents(after: $after) {\n      cursor\n      kind\n      conversation { ...AgentConversationFields }\n      message { ...AgentMessageFields }\n      offer { id status expiresAt }\n    }\n  }\n"): (typeof documents)["\n  subscription AgentInbox($after: String) {\n    inboxEvents(after: $after) {\n      cursor\n      kind\n      conversation { ...AgentConversationFields }\n      message { ...AgentMessageFields }\n      offer { id status expiresAt }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ContactHistory($id: ID!) {\n    node(id: $id) { ... on Conversation { id history { id status createdAt } } }\n  }\n"): (typeof documents)["\n  query ContactHistory($id: ID!) {\n    node(id: $id) { ... on Conversation { id history { id status createdAt } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetMyState($input: AgentStateInput!) {\n    setAgentState(input: $input) { id state stateReason }\n  }\n"): (typeof documents)["\n  mutation SetMyState($input: AgentStateInput!) {\n    setAgentState(input: $input) { id state stateReason }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptOffer($id: ID!) {\n    acceptOffer(id: $id) { ...AgentConversationFields }\n  }\n"): (typeof documents)["\n  mutation AcceptOffer($id: ID!) {\n    acceptOffer(id: $id) { ...AgentConversationFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RejectOffer($id: ID!) {\n    rejectOffer(id: $id) { id status }\n  }\n"): (typeof documents)["\n  mutation RejectOffer($id: ID!) {\n    rejectOffer(id: $id) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendReply($input: SendMessageInput!) {\n    sendMessage(input: $input) { ...AgentMessageFields }\n  }\n"): (typeof documents)["\n  mutation SendReply($input: SendMessageInput!) {\n    sendMessage(input: $input) { ...AgentMessageFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CloseConversation($id: ID!) {\n    closeConversation(id: $id) { id status }\n  }\n"): (typeof documents)["\n  mutation CloseConversation($id: ID!) {\n    closeConversation(id: $id) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TransferConversation($id: ID!, $serviceId: ID, $userId: ID) {\n    transferConversation(id: $id, serviceId: $serviceId, userId: $userId) { id }\n  }\n"): (typeof documents)["\n  mutation TransferConversation($id: ID!, $serviceId: ID, $userId: ID) {\n    transferConversation(id: $id, serviceId: $serviceId, userId: $userId) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TransferTargets {\n    chatServices { id name }\n    users(first: 200, where: { active: true, roleIn: [AGENT, SUPERVISOR] }) { edges { node { id name state } } }\n  }\n"): (typeof documents)["\n  query TransferTargets {\n    chatServices { id name }\n    users(first: 200, where: { active: true, roleIn: [AGENT, SUPERVISOR] }) { edges { node { id name state } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ScenarioFields on Scenario {\n    start\n    blocks {\n      id\n      type\n      sendMessage { text }\n      if { branches { name conditions { subject op field value number ignoreCase timeZone not } } }\n      findAgent { skills { skill minLevel } timeoutSeconds }\n      collect { question variable pattern retryText maxAttempts }\n      survey { question commentQuestion retryText maxAttempts }\n      exit { closingText }\n      exits { name to }\n    }\n  }\n"): (typeof documents)["\n  fragment ScenarioFields on Scenario {\n    start\n    blocks {\n      id\n      type\n      sendMessage { text }\n      if { branches { name conditions { subject op field value number ignoreCase timeZone not } } }\n      findAgent { skills { skill minLevel } timeoutSeconds }\n      collect { question variable pattern retryText maxAttempts }\n      survey { question commentQuestion retryText maxAttempts }\n      exit { closingText }\n      exits { name to }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServiceScenario($id: ID!) {\n    node(id: $id) { ... on ChatService { id name scenario { ...ScenarioFields } } }\n    defaultScenario { ...ScenarioFields }\n  }\n"): (typeof documents)["\n  query ServiceScenario($id: ID!) {\n    node(id: $id) { ... on ChatService { id name scenario { ...ScenarioFields } } }\n    defaultScenario { ...ScenarioFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SaveServiceScenario($id: ID!, $input: ScenarioInput) {\n    saveScenario(serviceId: $id, input: $input) { id scenario { ...ScenarioFields } }\n  }\n"): (typeof documents)["\n  mutation SaveServiceScenario($id: ID!, $input: ScenarioInput) {\n    saveScenario(serviceId: $id, input: $input) { id scenario { ...ScenarioFields } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) { token expiresAt }\n  }\n"): (typeof documents)["\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) { token expiresAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription QueueLive {\n    queueEvents {\n      at\n      services { serviceId name waiting offered longestWaitSeconds conversations { conversationId waitSeconds offeredToId } }\n      agents { userId name state stateReason openConversations pendingOffers capacity }\n    }\n  }\n"): (typeof documents)["\n  subscription QueueLive {\n    queueEvents {\n      at\n      services { serviceId name waiting offered longestWaitSeconds conversations { conversationId waitSeconds offeredToId } }\n      agents { userId name state stateReason openConversations pendingOffers capacity }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServiceFigures($from: Time!, $to: Time!, $bucket: StatsBucket) {\n    serviceStats(from: $from, to: $to, bucket: $bucket) {\n      serviceId\n      name\n      entered\n      answered\n      abandoned\n      averageWaitSeconds\n      longestWaitSeconds\n      handled\n      averageHandleSeconds\n      waitingNow\n      averageRating\n      ratings\n      channels { channel conversations }\n      series { from entered answered abandoned }\n    }\n  }\n"): (typeof documents)["\n  query ServiceFigures($from: Time!, $to: Time!, $bucket: StatsBucket) {\n    serviceStats(from: $from, to: $to, bucket: $bucket) {\n      serviceId\n      name\n      entered\n      answered\n      abandoned\n      averageWaitSeconds\n      longestWaitSeconds\n      handled\n      averageHandleSeconds\n      waitingNow\n      averageRating\n      ratings\n      channels { channel conversations }\n      series { from entered answered abandoned }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;