// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ECRecover} from "./ECRecover.sol";
import {SignatureChecker} from "./SignatureChecker.sol";

/// @dev ERC-721 receivers: `_safeMint` asks a contract recipient whether it takes the token.
interface IERC721Receiver {
    function onERC721Received(address operator, address from, uint256 tokenId, bytes calldata data)
        external
        returns (bytes4);
}

/// @title AgentIdentityRegistry
/// @notice The ERC-8004 (2.0.0) identity registry: every agent is an ERC-721 token whose URI
/// points at its registration file, with free-form metadata and one verified wallet. ABI-compatible
/// with the canonical `IdentityRegistryUpgradeable`, so SDKs and indexers written for it read this.
/// @dev Nothing is initialised in storage: names and the EIP-712 domain are constants and the
/// domain's verifying contract is read at run time, so the runtime code works when placed at any
/// address (the devnet writes it at the canonical testnet address).
contract AgentIdentityRegistry {
    struct MetadataEntry {
        string metadataKey;
        bytes metadataValue;
    }

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);
    /// @dev ERC-4906: the token's metadata (its URI) changed.
    event MetadataUpdate(uint256 _tokenId);
    event Registered(uint256 indexed agentId, string agentURI, address indexed owner);
    event MetadataSet(
        uint256 indexed agentId, string indexed indexedMetadataKey, string metadataKey, bytes metadataValue
    );
    event URIUpdated(uint256 indexed agentId, string newURI, address indexed updatedBy);

    // The errors of OpenZeppelin's ERC-721, which clients of the canonical registry decode.
    error ERC721InvalidOwner(address owner);
    error ERC721NonexistentToken(uint256 tokenId);
    error ERC721IncorrectOwner(address sender, uint256 tokenId, address owner);
    error ERC721InvalidSender(address sender);
    error ERC721InvalidReceiver(address receiver);
    error ERC721InsufficientApproval(address operator, uint256 tokenId);
    error ERC721InvalidApprover(address approver);
    error ERC721InvalidOperator(address operator);

    string public constant name = "AgentIdentity";
    string public constant symbol = "AGENT";

    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 private constant DOMAIN_NAME_HASH = keccak256("ERC8004IdentityRegistry");
    bytes32 private constant DOMAIN_VERSION_HASH = keccak256("1");
    bytes32 private constant AGENT_WALLET_SET_TYPEHASH =
        keccak256("AgentWalletSet(uint256 agentId,address newWallet,address owner,uint256 deadline)");
    /// @dev A wallet signature may be dated at most this far ahead.
    uint256 private constant MAX_DEADLINE_DELAY = 5 minutes;
    bytes32 private constant AGENT_WALLET_KEY_HASH = keccak256("agentWallet");
    string private constant AGENT_WALLET_KEY = "agentWallet";

    /// @dev The next agent id: a fresh registry mints 0 first, as the canonical one does.
    uint256 private _lastId;
    mapping(uint256 tokenId => address) private _owners;
    mapping(address owner => uint256) private _balances;
    mapping(uint256 tokenId => address) private _tokenApprovals;
    mapping(address owner => mapping(address operator => bool)) private _operatorApprovals;
    mapping(uint256 tokenId => string) private _tokenURIs;
    mapping(uint256 agentId => mapping(string metadataKey => bytes)) private _metadata;

    // --- ERC-8004 -------------------------------------------------------------------------------

    function register() external returns (uint256 agentId) {
        agentId = _register("");
        _safeMint(msg.sender, agentId);
    }

    function register(string memory agentURI) external returns (uint256 agentId) {
        agentId = _register(agentURI);
        _safeMint(msg.sender, agentId);
    }

    function register(string memory agentURI, MetadataEntry[] memory metadata)
        external
        returns (uint256 agentId)
    {
        agentId = _register(agentURI);
        for (uint256 i; i < metadata.length; i++) {
            _requireNotReserved(metadata[i].metadataKey);
            _setMetadata(agentId, metadata[i].metadataKey, metadata[i].metadataValue);
        }
        _safeMint(msg.sender, agentId);
    }

    function setAgentURI(uint256 agentId, string calldata newURI) external {
        _requireAuthorized(agentId);
        _tokenURIs[agentId] = newURI;
        emit MetadataUpdate(agentId);
        emit URIUpdated(agentId, newURI, msg.sender);
    }

    function getMetadata(uint256 agentId, string memory metadataKey) external view returns (bytes memory) {
        return _metadata[agentId][metadataKey];
    }

    function setMetadata(uint256 agentId, string memory metadataKey, bytes memory metadataValue) external {
        _requireAuthorized(agentId);
        _requireNotReserved(metadataKey);
        _setMetadata(agentId, metadataKey, metadataValue);
    }

    /// @notice Names the wallet that acts and gets paid for the agent. `newWallet` proves it agrees
    /// by signing `AgentWalletSet` (EIP-712): ECDSA first, then ERC-1271 for a contract wallet.
    function setAgentWallet(uint256 agentId, address newWallet, uint256 deadline, bytes calldata signature)
        external
    {
        require(newWallet != address(0), "bad wallet");
        require(block.timestamp <= deadline, "expired");
        require(deadline <= block.timestamp + MAX_DEADLINE_DELAY, "deadline too far");
        address owner = _requireAuthorized(agentId);
        bytes32 digest = _hashTypedData(
            keccak256(abi.encode(AGENT_WALLET_SET_TYPEHASH, agentId, newWallet, owner, deadline))
        );
        (address signer, ECRecover.RecoverError err) = ECRecover.tryRecover(digest, signature);
        bool valid = err == ECRecover.RecoverError.None && signer == newWallet;
        if (!valid && newWallet.code.length > 0) {
            valid = SignatureChecker.isValidErc1271SignatureNow(newWallet, digest, signature);
        }
        require(valid, "invalid wallet sig");
        _setMetadata(agentId, AGENT_WALLET_KEY, abi.encodePacked(newWallet));
    }

    function unsetAgentWallet(uint256 agentId) external {
        _requireAuthorized(agentId);
        _setMetadata(agentId, AGENT_WALLET_KEY, "");
    }

    /// @notice The agent's verified wallet; the zero address once unset or after a transfer.
    function getAgentWallet(uint256 agentId) external view returns (address) {
        _requireOwned(agentId);
        return address(bytes20(_metadata[agentId][AGENT_WALLET_KEY]));
    }

    function isAuthorizedOrOwner(address spender, uint256 agentId) external view returns (bool) {
        address owner = _requireOwned(agentId);
        return _isAuthorized(owner, spender, agentId);
    }

    function getVersion() external pure returns (string memory) {
        return "2.0.0";
    }

    /// @notice ERC-5267: the EIP-712 domain that `AgentWalletSet` signatures are made for.
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory domainName,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"0f", "ERC8004IdentityRegistry", "1", block.chainid, address(this), bytes32(0), extensions);
    }

    // --- ERC-721 --------------------------------------------------------------------------------

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x01ffc9a7 // ERC-165
            || interfaceId == 0x80ac58cd // ERC-721
            || interfaceId == 0x5b5e139f // ERC-721 metadata
            || interfaceId == 0x49064906; // ERC-4906
    }

    function balanceOf(address owner) external view returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return _balances[owner];
    }

    function ownerOf(uint256 tokenId) external view returns (address) {
        return _requireOwned(tokenId);
    }

    function tokenURI(uint256 tokenId) external view returns (string memory) {
        _requireOwned(tokenId);
        return _tokenURIs[tokenId];
    }

    function approve(address to, uint256 tokenId) external {
        address owner = _requireOwned(tokenId);
        if (msg.sender != owner && !_operatorApprovals[owner][msg.sender]) {
            revert ERC721InvalidApprover(msg.sender);
        }
        _tokenApprovals[tokenId] = to;
        emit Approval(owner, to, tokenId);
    }

    function getApproved(uint256 tokenId) external view returns (address) {
        _requireOwned(tokenId);
        return _tokenApprovals[tokenId];
    }

    function setApprovalForAll(address operator, bool approved) external {
        if (operator == address(0)) revert ERC721InvalidOperator(operator);
        _operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function isApprovedForAll(address owner, address operator) external view returns (bool) {
        return _operatorApprovals[owner][operator];
    }

    function transferFrom(address from, address to, uint256 tokenId) public {
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        address owner = _requireOwned(tokenId);
        if (!_isAuthorized(owner, msg.sender, tokenId)) {
            revert ERC721InsufficientApproval(msg.sender, tokenId);
        }
        if (owner != from) revert ERC721IncorrectOwner(from, tokenId, owner);
        delete _tokenApprovals[tokenId];
        _balances[from] -= 1;
        _balances[to] += 1;
        _owners[tokenId] = to;
        emit Transfer(from, to, tokenId);
        // A new owner does not inherit the wallet the previous one verified.
        if (from != to) _setMetadata(tokenId, AGENT_WALLET_KEY, "");
    }

    function safeTransferFrom(address from, address to, uint256 tokenId) external {
        safeTransferFrom(from, to, tokenId, "");
    }

    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public {
        transferFrom(from, to, tokenId);
        _checkReceiver(from, to, tokenId, data);
    }

    // --- internals ------------------------------------------------------------------------------

    /// @dev Takes the next id and records what a registration sets before the mint: the URI and
    /// the registering account as the agent's wallet.
    function _register(string memory agentURI) private returns (uint256 agentId) {
        agentId = _lastId++;
        if (bytes(agentURI).length > 0) {
            _tokenURIs[agentId] = agentURI;
            emit MetadataUpdate(agentId);
        }
        emit Registered(agentId, agentURI, msg.sender);
        _setMetadata(agentId, AGENT_WALLET_KEY, abi.encodePacked(msg.sender));
    }

    function _safeMint(address to, uint256 tokenId) private {
        _balances[to] += 1;
        _owners[tokenId] = to;
        emit Transfer(address(0), to, tokenId);
        _checkReceiver(address(0), to, tokenId, "");
    }

    function _checkReceiver(address from, address to, uint256 tokenId, bytes memory data) private {
        if (to.code.length == 0) return;
        try IERC721Receiver(to).onERC721Received(msg.sender, from, tokenId, data) returns (bytes4 answer) {
            if (answer != IERC721Receiver.onERC721Received.selector) revert ERC721InvalidReceiver(to);
        } catch {
            revert ERC721InvalidReceiver(to);
        }
    }

    function _setMetadata(uint256 agentId, string memory key, bytes memory value) private {
        _metadata[agentId][key] = value;
        emit MetadataSet(agentId, key, key, value);
    }

    function _requireNotReserved(string memory key) private pure {
        require(keccak256(bytes(key)) != AGENT_WALLET_KEY_HASH, "reserved key");
    }

    function _requireOwned(uint256 tokenId) private view returns (address owner) {
        owner = _owners[tokenId];
        if (owner == address(0)) revert ERC721NonexistentToken(tokenId);
    }

    /// @dev The owner, an operator of the owner, or the account approved for this token.
    function _requireAuthorized(uint256 agentId) private view returns (address owner) {
        owner = _requireOwned(agentId);
        require(_isAuthorized(owner, msg.sender, agentId), "Not authorized");
    }

    function _isAuthorized(address owner, address spender, uint256 tokenId) private view returns (bool) {
        return spender == owner || _operatorApprovals[owner][spender] || _tokenApprovals[tokenId] == spender;
    }

    function _hashTypedData(bytes32 structHash) private view returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(DOMAIN_TYPEHASH, DOMAIN_NAME_HASH, DOMAIN_VERSION_HASH, block.chainid, address(this))
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }
}
